"""Every academy page rendered in Spanish with data: the list, the sync form and its refusals, the sync preview
(create, update, unchanged, skipped, error and deactivate rows) and the history; no English prose left, a
Spanish phrase present; the stored row messages stay English and read in Spanish; the error report is the same
bytes in both languages."""

from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup
from flask_babel import refresh
from sqlalchemy import select

from tests.academies.builders import make_academy
from tests.builders import staff_world
from tests.i18n.catalog import untranslated
from webapp.extensions import db
from webapp.i18n import translate_message
from webapp.models import Course, Plan, PlanRow, User
from webapp.models.academies import Academy

UUID = "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c"
CATALOG = [
    {"name": "Data Science", "description": "new text", "slug": "data-science", "product_key": "data-science"},
    {"name": "Cloud", "slug": "cloud", "product_key": "cloud", "display_order": 2},
    {"name": "Brand New", "uuid": UUID},
    {"title": ""},
    "not an object",
    {"name": "Broken", "display_order": "first"},
]


@pytest.fixture
def world(app):
    found = staff_world()
    make_academy("Data Science", description="old text", tags=["data"], display_order=1)
    make_academy("Cloud", display_order=2)
    make_academy("Old One", display_order=3)
    make_academy("Retired", display_order=4, is_active=False)
    return found


def _data(*extra: str) -> set[str]:
    """What the academy pages show of the database: academy names and keys, usernames, file names."""
    values: set[str] = set(extra)
    for item in db.session.scalars(select(Academy)):
        values |= {item.name, item.long_name, item.slug, item.product_key, item.stripe_price_lookup_key}
        values |= set(item.tags or []) | {item.catalog_uuid or "", item.catalog_query_uuid or ""}
    for user in db.session.scalars(select(User)):
        values |= {user.username, user.email}
    for course in db.session.scalars(select(Course)):
        values |= {course.key, course.name}
    for plan in db.session.scalars(select(Plan)):
        values.add(plan.source_name or "")
    return {v for v in values if v}


def _check(soup: BeautifulSoup, phrase: str, *extra: str) -> None:
    text = soup.get_text(" ", strip=True)
    assert phrase in text, text[:2000]
    left = untranslated(soup, _data(*extra))
    assert left == []


def _upload(client, payload, filename="catalog.json", **extra):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(body), filename), **extra},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("/academies/", "Sincronizar desde el catálogo"),
        ("/academies/?q=nothing-matches", "Ninguna academia coincide con «nothing-matches»."),
        ("/academies/history", "Todavía no hay ninguna sincronización de academias."),
    ],
)
def test_academy_pages_in_spanish(client, world, url, phrase):
    client.login("staff")
    client.set_cookie("locale", "es")
    _check(client.soup(url), phrase, "nothing-matches")


def test_the_list_reads_states_in_spanish(client, world):
    client.login("staff")
    client.set_cookie("locale", "es")
    soup = client.soup("/academies/")
    badges = {b.get_text(strip=True) for b in soup.select("table.table tbody .badge")}
    assert {"Activa", "Inactiva"} <= badges
    assert "el archivo de catálogo de demostración" in soup.get_text(" ", strip=True)


def test_an_empty_list_in_spanish(client, app):
    staff_world()
    client.login("staff")
    client.set_cookie("locale", "es")
    _check(client.soup("/academies/"), "Todavía no hay academias. Sincronice desde el catálogo para crearlas.")


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ({"source": "upload"}, "Elija un archivo JSON para subir o sincronice desde el catálogo configurado."),
        ({"source": "upload", "file": (io.BytesIO(b"[]"), "catalog.txt")}, "no es un archivo .json"),
        (
            {"source": "catalog", "file": (io.BytesIO(b"[]"), "catalog.json")},
            "Eligió el archivo catalog.json, pero el origen es el catálogo configurado.",
        ),
        ({"source": "upload", "file": (io.BytesIO(b"42"), "catalog.json")}, "respondió con JSON de forma incorrecta"),
        (
            {"source": "upload", "file": (io.BytesIO(json.dumps(CATALOG).encode()), "catalog.json"), "academy": "Zz"},
            "no incluye ninguna academia con el uuid o el nombre 'Zz'",
        ),
    ],
)
def test_sync_refusals_in_spanish(client, world, data, phrase):
    client.login("staff")
    client.set_cookie("locale", "es")
    response = client.post("/academies/sync", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    _check(BeautifulSoup(response.data, "html.parser"), phrase, "catalog.json", "catalog.txt", "'Zz'", "Zz")


def _preview(client) -> tuple[Plan, BeautifulSoup]:
    client.login("staff")
    client.set_cookie("locale", "es")
    response = _upload(client, CATALOG, deactivate_missing="y")
    assert response.status_code == 302, response.data[:500]
    soup = client.soup(response.headers["Location"])
    plan = db.session.scalar(select(Plan).order_by(Plan.id.desc()))
    return plan, soup


def test_the_sync_preview_in_spanish(client, world):
    plan, soup = _preview(client)
    actions = {row.action for row in db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))}
    assert {"create", "update", "unchanged", "skip", "error", "deactivate"} <= actions
    assert "Esta es la vista previa de la sincronización de academias." in soup.get_text(" ", strip=True)
    # the catalog's own values as written: a JSON string item, and the display_order "first" it refuses
    _check(
        soup, "Esta es la vista previa de la sincronización de academias.", "catalog.json", '"not an object"', "first"
    )


def test_the_stored_row_messages_stay_english_and_read_in_spanish(client, world, app):
    plan, _soup = _preview(client)
    rows = list(db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id).order_by(PlanRow.row_number)))
    english = {row.message for row in rows} | {e["message"] for row in rows for e in (row.effects or [])}
    assert "new academy" in english and "already up to date" in english  # stored in English
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()
        spanish = {translate_message(m) for m in english}
    assert {
        "academia nueva",
        "ya está al día",
        "activa, pero ya no figura en el catálogo",
        "la academia Old One se retira del catálogo",
        "el elemento no tiene name, title ni short_name",
        "el elemento es de tipo str, no un objeto",
        "display_order debe ser un número entero, no 'first'",
    } <= spanish, spanish
    assert any(m.startswith("cambia description") for m in spanish), spanish


def test_the_history_in_spanish(client, world):
    _preview(client)
    soup = client.soup("/academies/history")
    _check(soup, "Historial de sincronización de academias", "catalog.json")


def test_the_error_report_is_the_same_in_both_languages(client, world):
    plan, _soup = _preview(client)
    reports = []
    for language in ("en", "es"):
        client.set_cookie("locale", language)
        response = client.get(f"/plans/{plan.id}/errors.csv")
        assert response.status_code == 200
        reports.append(response.data)
    assert reports[0] == reports[1]
    assert b"display_order must be an integer" in reports[0]
