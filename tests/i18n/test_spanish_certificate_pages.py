"""Issue 17: every page of the certificates capability in Spanish (exceptions, removal, invalidations,
issued certificates of every status and filter, the generation history, the confirm pages, flash messages
and refusals) shows no English prose of its own, and the CSV downloads are the same bytes in both languages."""

from __future__ import annotations

import functools
import re

import pytest
from bs4 import BeautifulSoup

from tests.builders import allow, enroll, invalidate, make_certificate, make_course_staff, make_user, staff_world
from tests.i18n.catalog import catalog, untranslated
from webapp.extensions import db
from webapp.models.enterprise import GradeRecord
from webapp.services import permissions
from webapp.statuses import (
    CertificateFilter,
    CertificateStatus,
    EffectKind,
    EnrollmentMode,
    GenerationScope,
    InvalidationState,
    SpecialCase,
    Switch,
    label_of,
)

COURSE = "course-v1:edX+A+2026"
BASE = f"/courses/{COURSE}/certificates"

# Visible text of pieces other helpers own (i18n-core: the layout, the course header's tabs, the shared macros and
# forms), whole texts set aside on every page; and the labels of webapp/statuses.py that the certificate pages show
# through `translated`, set aside only while the Spanish catalog lacks them (once merged, this test checks them).
FOREIGN_TEXTS = re.compile(
    r"Skip to content|Courses|Proctoring reviews|Course sections|Log out|Certificates|Exceptions|Invalidations"
    r"|Search|Search username or email|Staff Console · every bulk change is previewed before it is applied"
    r"|Page \d+ of \d+|\d+–\d+ of \d+|Next →|← Previous|UTF-8 \(also with BOM\)"
    r"|One learner per row: username_or_email, then optional notes\."
    r"|Pick Windows-1252 only for files saved as plain “CSV” by older Excel\."
)
FOREIGN_LABELS = {
    *(f.label for f in CertificateFilter),
    *(s.label for s in CertificateStatus),
    *(s.label for s in InvalidationState),
    *(s.label for s in SpecialCase if s.label),
    *(s.label for s in GenerationScope),
    *(label_of(s) for s in Switch),
    *(label_of(m) for m in EnrollmentMode),
    *(k.label for k in EffectKind),
    permissions.CERTIFICATE_CHANGES_HINT,
}


@functools.cache
def _pending_in(texts: frozenset[str]) -> frozenset[str]:
    spanish = catalog("es")
    return frozenset(t for t in texts if not (spanish.get(t) is not None and spanish.get(t).string))


def _pending(texts: set[str]) -> set[str]:
    """The texts the Spanish catalog does not translate yet."""
    return set(_pending_in(frozenset(texts)))


def own_untranslated(soup: BeautifulSoup, data: set[str]) -> list[str]:
    """The English prose of the certificates pieces left on a Spanish page (others' untranslated pieces set
    aside: whole texts of the layout, and labels of webapp/statuses.py inside the certificates' sentences)."""
    return [t for t in untranslated(soup, data | _pending(FOREIGN_LABELS)) if not FOREIGN_TEXTS.fullmatch(t)]


def _grade(user, percent: float, passed: bool) -> None:
    db.session.add(GradeRecord(user_id=user.id, course_key=COURSE, percent=percent, passed=passed))


@pytest.fixture
def world(app):
    """Course A with an instructor and learners holding a certificate of every status, exceptions with notes,
    an active and a re-validated invalidation, and an applied generation run (committed)."""
    w = staff_world()
    course = w["course_a"]
    w["instructor"] = make_user("instructor", full_name="Irene Instructora")
    make_course_staff(w["instructor"], course, role="instructor")
    for status in CertificateStatus:
        if status in (CertificateStatus.DELETED, CertificateStatus.DELETING):
            continue
        name = f"l_{status.value}"
        user = make_user(name, email=f"{name}@example.org")
        enroll(user, course, mode="audit" if status.value.startswith("audit") else "verified")
        w[name] = user
        w[f"{name}_cert"] = make_certificate(user, course, status, grade=0.8)
    # exceptions: one with a certificate, one without (the generation run issues it), one with notes only
    w["zoe"] = make_user("zoe", email="zoe@example.org", full_name="Zoe Zapata")
    enroll(w["zoe"], course)
    allow(w["zoe"], course, notes="nota de prueba", created_by=w["instructor"])
    allow(w["l_audit_passing"], course, notes="beca", created_by=w["instructor"])
    # invalidations: one active, one re-validated
    invalidate(w["l_generating_cert"], notes="plagio", by=w["instructor"])
    invalidate(w["l_notpassing_cert"], notes="revisado", by=w["instructor"], active=False)
    # a learner without a certificate, enrolled, with a grade (the generation run issues one)
    w["nia"] = make_user("nia", email="nia@example.org")
    enroll(w["nia"], course)
    _grade(w["nia"], 0.75, True)
    w["outsider"] = make_user("outsider", email="outsider@example.org")  # not enrolled
    db.session.commit()

    from webapp.services import plans
    from webapp.services.certificates.generation_runs import plan_generation

    plan = plan_generation(w["instructor"], COURSE, "all")
    assert plans.apply_plan(plan.id, w["instructor"]).status == "applied"
    w["plan"] = plan
    db.session.commit()
    return w


def _data(w) -> set[str]:
    """What the pages show of the database: usernames, emails, names, notes, the course."""
    # the course header shows the key in two parts ("course-v1:" and the rest)
    values = {
        "Course A",
        COURSE,
        "course-v1:",
        COURSE.removeprefix("course-v1:"),
        "nota de prueba",
        "beca",
        "plagio",
        "revisado",
        "Irene Instructora",
        "Zoe Zapata",
    }
    for value in w.values():
        username = getattr(value, "username", None)
        if username:
            values |= {username, value.email}
    return values


@pytest.fixture
def es(client, world):
    client.login("instructor")
    client.set_cookie("locale", "es")
    return client


def _check(soup: BeautifulSoup, data: set[str], *phrases: str) -> None:
    assert own_untranslated(soup, data) == []
    text = " ".join(soup.get_text(" ").split())
    for phrase in phrases:
        assert phrase in text, phrase


def test_the_allowlist_page_in_spanish(es, world):
    data = _data(world)
    _check(
        es.soup(f"{BASE}/exceptions"),
        data,
        "Conceder excepciones desde un archivo CSV",
        "Lista de excepciones",
        "Quitar excepciones desde un archivo CSV",
    )
    _check(es.soup(f"{BASE}/exceptions?q=zoe"), data, "coincidentes")
    _check(es.soup(f"{BASE}/exceptions?q=nadie"), data | {"nadie"}, "Ningún estudiante coincide con «nadie».")


def test_the_removal_confirmation_in_spanish(es, world):
    soup = es.soup(f"{BASE}/exceptions/{world['l_audit_passing'].id}/remove")
    _check(
        soup,
        _data(world),
        "¿Quitar a l_audit_passing de la lista de excepciones?",
        "quitado de la lista de excepciones (sin invalidación: puede volver a añadirse)",
        "deja de estar disponible; se borra la calificación",
    )


def test_the_invalidation_list_in_spanish(es, world):
    data = _data(world)
    for state in InvalidationState:
        _check(es.soup(f"{BASE}/invalidations?state={state.value}"), data, "Lista de invalidaciones")
    _check(es.soup(f"{BASE}/invalidations?q=nadie"), data | {"nadie"}, "Ninguna invalidación coincide.")


def test_the_invalidation_confirmation_in_spanish(es, world):
    soup = es.soup(f"{BASE}/invalidations/one?identifier=l_downloadable&notes=copia")
    _check(
        soup,
        _data(world) | {"copia"},
        "¿Invalidar el certificado de",
        "deja de estar disponible para el estudiante",
        "Confirmar: invalidar el certificado",
    )
    # a notes change of an active invalidation
    soup = es.soup(f"{BASE}/invalidations/one?identifier=l_generating&notes=otra")
    _check(soup, _data(world) | {"otra"}, "Las notas de la invalidación cambian de «plagio» a «otra»")


def test_the_issued_certificates_with_every_filter_and_the_history_in_spanish(es, world):
    data = _data(world)
    for selected in CertificateFilter:
        soup = es.soup(f"{BASE}/?filter={selected.value}")
        _check(soup, data, "Certificados emitidos", "Autogeneración por los estudiantes", "Historial de generación")
    soup = es.soup(f"{BASE}/")
    history = soup.find(id="generation-history")
    assert history is not None and f"Plan n.º {world['plan'].id}" in history.get_text(" ")
    assert "Generados" in history.get_text(" ")
    _check(es.soup(f"{BASE}/?q=nadie"), data | {"nadie"}, "Ningún estudiante coincide con esta búsqueda.")


@pytest.mark.parametrize("enable", ["0", "1"])
def test_the_generation_confirmation_in_spanish(es, world, enable):
    soup = es.soup(f"{BASE}/generation?enable={enable}")
    heading = "¿Impedir que" if enable == "0" else "¿Permitir que"
    _check(soup, _data(world), heading, "Los estudiantes pueden generar sus propios certificados")


def test_flash_messages_and_refusals_in_spanish(es, world):
    data = _data(world)
    # add one learner: the flash says what was done
    soup = BeautifulSoup(
        es.post(f"{BASE}/exceptions/add", data={"identifier": "nia", "notes": ""}, follow_redirects=True).data,
        "html.parser",
    )
    _check(soup, data, "nia <nia@example.org>: añadido a la lista de excepciones.")
    # remove one learner with a certificate: message and side effect
    response = es.post(f"{BASE}/exceptions/{world['l_audit_passing'].id}/remove", follow_redirects=True)
    _check(BeautifulSoup(response.data, "html.parser"), data, "deja de estar disponible")
    # a refusal: the learner is not enrolled
    response = es.post(f"{BASE}/exceptions/add", data={"identifier": "outsider", "notes": ""})
    assert response.status_code == 400
    _check(BeautifulSoup(response.data, "html.parser"), data, "el estudiante no está inscrito en este curso")
    # invalidate one, re-validate one
    response = es.post(f"{BASE}/invalidations/one", data={"identifier": "l_error", "notes": ""}, follow_redirects=True)
    _check(BeautifulSoup(response.data, "html.parser"), data, "El certificado ya no es válido")
    response = es.post(
        f"{BASE}/invalidations/one", data={"identifier": "l_downloadable", "notes": "copia"}, follow_redirects=True
    )
    _check(BeautifulSoup(response.data, "html.parser"), data | {"copia"}, "invalidar el certificado")
    soup = es.soup(f"{BASE}/invalidations?state=active")
    form = soup.find("form", action=re.compile(r"/revalidate$"))
    response = es.post(form["action"], follow_redirects=True)
    _check(BeautifulSoup(response.data, "html.parser"), data, "revalidar: el certificado vuelve a")
    # the self-generation switch, both ways, and a repeated click
    for enable, phrase in (("0", "ahora desactivada"), ("0", "ya estaba desactivada"), ("1", "ahora activada")):
        response = es.post(f"{BASE}/generation", data={"enable": enable}, follow_redirects=True)
        _check(BeautifulSoup(response.data, "html.parser"), data, phrase)


def test_downloads_are_the_same_bytes_in_english_and_spanish(client, world):
    client.login("instructor")
    urls = [f"{BASE}/exceptions.csv"]
    urls += [f"{BASE}/issued.csv?filter={f.value}" for f in CertificateFilter]
    urls += [f"{BASE}/invalidations.csv?state={s.value}" for s in InvalidationState]
    for url in urls:
        client.set_cookie("locale", "en")
        english = client.get(url)
        english_bytes = english.get_data()
        client.set_cookie("locale", "es")
        spanish = client.get(url, headers={"Accept-Language": "es"})
        spanish_bytes = spanish.get_data()
        assert english.status_code == spanish.status_code == 200, url
        assert english_bytes == spanish_bytes, url
        assert english.headers["Content-Disposition"] == spanish.headers["Content-Disposition"], url
    client.set_cookie("locale", "es")
    assert b"Received" in client.get(f"{BASE}/issued.csv").get_data()  # the labels stay English in the file


ROSTER_CODES = {"duplicate_row", "blank_row", "bad_format", "bad_text", "unknown_learner", "problem"}


def _rows(plan_id: int) -> list:
    from webapp.models import PlanRow

    return list(db.session.scalars(db.select(PlanRow).where(PlanRow.plan_id == plan_id).order_by(PlanRow.row_number)))


def test_the_row_messages_of_the_certificate_plans_are_stored_in_english_and_shown_in_spanish(app, world):
    """Every message the certificate plan kinds store (rows and side effects) reads in Spanish where a page
    shows it through `translated`, with no English prose left but the data it names."""
    import io

    from flask_babel import refresh

    from webapp.i18n import translate_message
    from webapp.services import plans
    from webapp.services.certificates import exceptions, invalidations
    from webapp.services.certificates.generation_runs import plan_generation

    instructor = world["instructor"]
    roster = "zoe,nota de prueba\nzoe,otra nota\nnia,\noutsider,\nl_generating,\nnadie@example.org,\n"
    added = exceptions.plan_upload(instructor, COURSE, io.BytesIO(roster.encode()), "roster.csv")
    assert plans.apply_plan(added.id, instructor).status == "applied"
    db.session.commit()
    reverted = plans.revert_plan(added.id, instructor)
    removal = "zoe\nl_audit_passing\nl_error\nnia\n"
    removed = exceptions.plan_upload(instructor, COURSE, io.BytesIO(removal.encode()), "removal.csv", removal=True)
    bulk = "l_downloadable,copia\nl_generating,plagio\nl_generating,otra\nl_audit_passing,\nl_error,\nnia,\n"
    invalidated = invalidations.plan_upload(instructor, COURSE, io.BytesIO(bulk.encode()), "invalid.csv")
    _grade(world["l_notpassing"], 0.9, True)  # regenerated: Not Received becomes Received
    world["noa"] = make_user("noa", email="noa@example.org")  # no certificate yet: one is issued
    enroll(world["noa"], world["course_a"])
    _grade(world["noa"], 0.6, False)
    db.session.commit()
    generated = [
        plan_generation(instructor, COURSE, "all"),
        plan_generation(instructor, COURSE, "all", regenerate=True),
        plan_generation(instructor, COURSE, "exceptions", regenerate=True),
    ]
    db.session.commit()
    messages = []
    for plan in (added, reverted, removed, invalidated, *generated):
        for row in _rows(plan.id):
            if row.code not in ROSTER_CODES:  # the roster's own rules (services/rosters.py) are i18n-engine's
                messages.append(row.message)
            messages += [effect["message"] for effect in row.effects or []]
    assert "added to the allowlist" in messages  # stored in English
    for expected in (
        "learner is not enrolled in this course",
        "already on the allowlist; notes change",
        "the exception the import added is deleted; their certificate (Received) is not touched",
        "removed from the allowlist (no invalidation: they may be added again)",
        "learner is on the allowlist (certificate exception); remove the exception first",
        "Certificate is already invalid",
        "from the grade record",
    ):
        assert expected in messages, expected
    assert any(m.startswith("certificate issued as ") for m in messages)
    assert any(m.endswith("becomes unavailable; grade cleared") for m in messages)
    data = _data(world) | {"otra nota", "otra", "copia", "nadie@example.org"}
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()
        for message in {m for m in messages if m}:
            shown = translate_message(message)
            soup = BeautifulSoup(f"<p>{shown}</p>", "html.parser")
            assert own_untranslated(soup, data) == [], message
