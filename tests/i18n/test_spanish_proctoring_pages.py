"""Every proctoring page rendered in Spanish with data: no English prose left, a Spanish phrase present, and the
exports (the webhook's JSON answers) the same bytes in both languages."""

from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.i18n.catalog import untranslated
from tests.proctoring.builders import RESET_COURSE, make_review, payload, post_signed, reset_world
from webapp.extensions import db
from webapp.models import Course, User
from webapp.models.proctoring import ExamAttempt, ProctoredExam

COURSE = RESET_COURSE


@pytest.fixture
def world(app):
    return reset_world()


def _data() -> set[str]:
    """What the proctoring pages show of the database: names, emails, codes, course and exam names."""
    values: set[str] = set()
    for user in db.session.scalars(select(User)):
        values |= {user.username, user.email, user.display_name or user.username}
    for course in db.session.scalars(select(Course)):
        values |= {course.key, course.name}
    for exam in db.session.scalars(select(ProctoredExam)):
        values |= {exam.name, exam.content_id}
    for attempt in db.session.scalars(select(ExamAttempt)):
        values |= {attempt.attempt_code, attempt.external_id or ""}
    return {v for v in values if v}


def _spanish(client, url: str, expect: int = 200) -> BeautifulSoup:
    client.set_cookie("locale", "es")
    return client.soup(url, expect=expect)


def _check(soup: BeautifulSoup, phrase: str, extra: set[str] = frozenset()) -> None:
    text = soup.get_text(" ", strip=True)
    assert phrase in text, text[:2000]
    left = untranslated(soup, _data() | set(extra))
    assert left == []


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("/proctoring/reviews", "Resultados de las revisiones por semana"),
        ("/proctoring/needs-attention", "Revisiones sospechosas que ninguna persona ha mirado todavía"),
        (f"/courses/{COURSE}/proctoring/", "Exámenes supervisados"),
        (f"/courses/{COURSE}/proctoring/attempts", "Restablecer intentos desde un archivo CSV"),
        (f"/courses/{COURSE}/proctoring/attempts?status=verified", "Cualquier estado"),
        (f"/courses/{COURSE}/proctoring/reset", "Ver la vista previa del restablecimiento"),
        ("/proctoring/replay", "Reproducir los envíos del proveedor"),
        (f"/courses/{COURSE}/proctoring/replay", "Reproducir los envíos del proveedor"),
        ("/proctoring/reviews?review_status=Suspicious&unreviewed=1", "Borrar los filtros"),
        ("/proctoring/reviews?q=nobody-matches", "Ninguna revisión coincide con estos filtros."),
    ],
)
def test_lists_and_forms_in_spanish(client, world, url, phrase):
    client.login("staff")
    _check(_spanish(client, url), phrase)


def test_the_queue_shows_statuses_in_spanish(client, world):
    client.login("staff")
    soup = _spanish(client, "/proctoring/reviews")
    badges = {b.get_text(strip=True) for b in soup.select("#review-queue .badge")}
    assert {"Sospechoso", "Limpio", "Segunda revisión necesaria", "Verificado"} <= badges
    legend = soup.select_one("#outcomes-chart").get_text(" ", strip=True)
    assert "Infracción de las reglas" in legend and "Sin revisar" in legend


def test_the_review_page_in_spanish(client, world):
    b = world["b"]
    client.login("staff")
    soup = _spanish(client, f"/proctoring/reviews/{b.attempt_code}")
    _check(soup, "Requiere atención:")
    effects = soup.get_text(" ", strip=True)
    assert "El intento pasa a Rechazado; el estado del crédito pasa a Fallido" in effects
    assert "el intento se archiva con sus revisiones" in effects


def test_the_second_review_confirmation_in_spanish(client, world):
    b = world["b"]
    client.login("staff")
    soup = _spanish(client, f"/proctoring/reviews/{b.attempt_code}/second-review?decision=suspicious&note=Phone")
    _check(soup, "El intento pasa a estado rechazado; el requisito de crédito pasa a estado fallido", {"Phone"})
    assert "Confirmar: registrar la segunda revisión" in soup.get_text(" ", strip=True)


def test_a_second_review_without_a_decision_is_refused_in_spanish(client, world):
    client.login("staff")
    soup = _spanish(client, f"/proctoring/reviews/{world['b'].attempt_code}/second-review", expect=400)
    _check(soup, "Elija una decisión.")


def test_the_second_review_flash_in_spanish(client, world):
    b = world["b"]
    client.login("staff")
    client.set_cookie("locale", "es")
    response = client.post(
        f"/proctoring/reviews/{b.attempt_code}/second-review", data={"decision": "suspicious", "note": "Phone"}
    )
    assert response.status_code == 302
    soup = client.soup(response.headers["Location"])
    text = soup.get_text(" ", strip=True)
    assert "Segunda revisión registrada: Sospechoso. El intento pasó de Segunda revisión necesaria a Rechazado." in text
    # the version history now lists the provider's review
    _check(soup, "Historial de versiones", {"Phone"})


def test_the_reset_confirmation_and_its_result_in_spanish(client, world):
    a = world["a"]
    client.login("staff")
    url = f"/courses/{COURSE}/proctoring/attempts/{a.attempt_code}/reset"
    soup = _spanish(client, url)
    _check(soup, "¿Restablecer el intento de ada en Midterm?")
    what = soup.select_one("#reset-what").get_text(" ", strip=True)
    assert "archivado con su 1 revisión" in what and "se elimina el estado del requisito de crédito cumplido" in what
    response = client.post(url, data={})
    assert response.status_code == 302
    soup = client.soup(response.headers["Location"])
    assert "Intento restablecido (plan n.º" in soup.get_text(" ", strip=True)
    # resetting it again is refused, in Spanish
    response = client.get(url)
    soup = client.soup(response.headers["Location"])
    assert f"El intento {a.attempt_code} ya se restableció el" in soup.get_text(" ", strip=True)
    # the archived attempt's review page
    _check(client.soup(f"/proctoring/reviews/{a.attempt_code}"), "Archivado:")


def test_a_reset_upload_refusal_in_spanish(client, world):
    client.login("staff")
    client.set_cookie("locale", "es")
    response = client.post(
        f"/courses/{COURSE}/proctoring/reset",
        data={"file": (io.BytesIO(b"ada,x\n"), "reset.csv"), "encoding": "latin-9"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    _check(BeautifulSoup(response.data, "html.parser"), "Restablecer intentos desde un archivo CSV")


def test_the_replay_preview_rows_in_spanish(client, world):
    b, c = world["b"], world["c"]
    client.login("staff")
    client.set_cookie("locale", "es")
    body = "\n".join(
        json.dumps(p)
        for p in (
            payload(b.attempt_code, "LOCB", status="Suspicious"),
            payload(c.attempt_code, "LOCC", status="Clean"),
            payload("00000000-0000-4000-8000-999999999999", "LOCX"),
        )
    )
    response = client.post(
        "/proctoring/replay",
        data={"file": (io.BytesIO(body.encode()), "payloads.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data[:500]
    soup = client.soup(response.headers["Location"])
    text = soup.get_text(" ", strip=True)
    assert "Esta es la vista previa de la reproducción" in text
    assert "No hay ningún intento de examen con el código de intento 00000000-0000-4000-8000-999999999999." in text
    # bob's attempt has the provider's review already: a replayed one is refused, in Spanish on the page
    assert (
        f"El intento {b.attempt_code} ya tiene una revisión (Sospechoso) y no se permiten actualizaciones "
        "(ALLOW_REVIEW_UPDATES está desactivado)." in text
    )
    _check(
        soup,
        "revisión Limpio; intento Rechazado → Verificado",
        {"payloads.jsonl", "00000000-0000-4000-8000-999999999999"},
    )


def test_the_webhook_answers_are_the_same_in_both_languages(client, world):
    b = world["b"]
    make_review(world["c"], "Clean")
    db.session.commit()
    answers = []
    for language in ("en", "es"):
        client.set_cookie("locale", language)
        response = post_signed(
            client,
            payload(b.attempt_code, "WRONG"),
            headers={"Accept-Language": language, "Cookie": f"locale={language}"},
        )
        answers.append((response.status_code, response.data))
    assert answers[0] == answers[1]
    assert b"does not match" in answers[0][1]
