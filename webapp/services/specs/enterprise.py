"""Data-spec entities of the completion capability: grades, enterprise_customers, enterprise_learners, consents.

Grades and consents name their course by key and do **not** require the course to exist (the models
store the key): that is how a spec describes a consent or grade for a course unknown to this site, which
the completion export then reports as "course unknown".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models.enterprise import DataSharingConsent, EnterpriseCustomer, EnterpriseLearner, GradeRecord
from webapp.services.batching import chunks
from webapp.services.specs.base import Entity, Field, Key, Resolver
from webapp.services.specs.core import rows_of_users, user_ids


def _user_ref(values: dict[str, Any]) -> tuple[str, Key, str]:
    return ("users", (values["username"].lower(),), "username")


def _customer_ref(values: dict[str, Any]) -> tuple[str, Key, str]:
    return ("enterprise_customers", (values["customer"],), "customer")


def _customer_ids(slugs: Iterable[str]) -> dict[int, str]:
    """Customer id -> slug for these slugs (customers are few: one statement per IN batch)."""
    found: dict[int, str] = {}
    for batch in chunks(sorted(set(slugs))):
        query = select(EnterpriseCustomer.id, EnterpriseCustomer.slug).where(EnterpriseCustomer.slug.in_(batch))
        found.update((customer_id, slug) for customer_id, slug in db.session.execute(query))
    return found


class Grades(Entity):
    key = "grades"
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("percent", "float", required=True, minimum=0, maximum=1),
        Field("passed", "bool", required=True),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["username"].lower(), values["course"])

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        return [_user_ref(values)]

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        wanted = set(keys)
        users = user_ids(k[0] for k in wanted)
        found: dict[Key, Any] = {}
        for (row,) in rows_of_users(
            select(GradeRecord), GradeRecord.user_id, users, GradeRecord.course_key, (k[1] for k in wanted)
        ):
            key = (users[row.user_id], row.course_key)
            if key in wanted:
                found[key] = row
        return found

    def snapshot(self, row: GradeRecord) -> dict[str, Any]:
        return {"percent": row.percent, "passed": row.passed}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"percent": float(values["percent"]), "passed": values["passed"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("users", [(v["username"].lower(),) for v, _ in rows])
        for values, grade in rows:
            if grade is None:
                grade = GradeRecord(
                    user_id=resolver.get("users", (values["username"].lower(),)).id, course_key=values["course"]
                )
                db.session.add(grade)
            grade.percent = float(values["percent"])
            grade.passed = values["passed"]


class EnterpriseCustomers(Entity):
    key = "enterprise_customers"
    fields = (
        Field("slug", required=True),
        Field("name", required=True),
        Field("enable_audit_reporting", "bool", default=False),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["slug"],)

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found: dict[Key, Any] = {}
        for batch in chunks([k[0] for k in keys]):
            for customer in db.session.scalars(select(EnterpriseCustomer).where(EnterpriseCustomer.slug.in_(batch))):
                found[(customer.slug,)] = customer
        return found

    def snapshot(self, row: EnterpriseCustomer) -> dict[str, Any]:
        return {"slug": row.slug, "name": row.name, "enable_audit_reporting": row.enable_audit_reporting}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        for values, customer in rows:
            if customer is None:
                customer = EnterpriseCustomer(slug=values["slug"])
                db.session.add(customer)
            customer.name = values["name"]
            customer.enable_audit_reporting = values["enable_audit_reporting"]
        resolver.forget(self.key)


class _CustomerUserEntity(Entity):
    """An entity keyed by customer slug and username (plus more), referring to both."""

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        return [_customer_ref(values), _user_ref(values)]

    def prefetch(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("users", [(v["username"].lower(),) for v, _ in rows])
        resolver.prefetch("enterprise_customers", [(v["customer"],) for v, _ in rows])

    def ids(self, values: dict[str, Any], resolver: Resolver) -> dict[str, int]:
        return {
            "customer_id": resolver.get("enterprise_customers", (values["customer"],)).id,
            "user_id": resolver.get("users", (values["username"].lower(),)).id,
        }


class EnterpriseLearners(_CustomerUserEntity):
    key = "enterprise_learners"
    fields = (Field("customer", required=True), Field("username", required=True), Field("active", "bool", default=True))

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["customer"], values["username"].lower())

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        wanted = set(keys)
        customers = _customer_ids(k[0] for k in wanted)
        users = user_ids(k[1] for k in wanted)
        found: dict[Key, Any] = {}
        query = select(EnterpriseLearner).where(EnterpriseLearner.customer_id.in_(list(customers)))
        for (row,) in rows_of_users(query, EnterpriseLearner.user_id, users):
            key = (customers[row.customer_id], users[row.user_id])
            if key in wanted:
                found[key] = row
        return found

    def snapshot(self, row: EnterpriseLearner) -> dict[str, Any]:
        return {"active": row.active}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"active": values["active"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        for values, learner in rows:
            if learner is None:
                learner = EnterpriseLearner(**self.ids(values, resolver))
                db.session.add(learner)
            learner.active = values["active"]


class Consents(_CustomerUserEntity):
    key = "consents"
    fields = (
        Field("customer", required=True),
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("granted", "bool", default=True),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["customer"], values["username"].lower(), values["course"])

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        wanted = set(keys)
        customers = _customer_ids(k[0] for k in wanted)
        users = user_ids(k[1] for k in wanted)
        found: dict[Key, Any] = {}
        query = select(DataSharingConsent).where(DataSharingConsent.customer_id.in_(list(customers)))
        for (row,) in rows_of_users(
            query, DataSharingConsent.user_id, users, DataSharingConsent.course_key, (k[2] for k in wanted)
        ):
            key = (customers[row.customer_id], users[row.user_id], row.course_key)
            if key in wanted:
                found[key] = row
        return found

    def snapshot(self, row: DataSharingConsent) -> dict[str, Any]:
        return {"granted": row.granted}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"granted": values["granted"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        for values, consent in rows:
            if consent is None:
                consent = DataSharingConsent(course_key=values["course"], **self.ids(values, resolver))
                db.session.add(consent)
            consent.granted = values["granted"]
