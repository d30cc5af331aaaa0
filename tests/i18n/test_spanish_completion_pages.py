"""The learner completion export page in Spanish: the picker, a preview with every grade and every skip reason,
the last export (by staff, by the command line, never), empty states and refusals, with no English prose left;
the CSV download stays English and byte-identical whatever the reader's language."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.builders import enroll, make_certificate, make_course, make_user
from tests.completion.builders import AS_OF, ENDED, RUNNING_END, consent, grade, make_customer, make_learner
from tests.i18n.catalog import catalog, untranslated
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.services import completion
from webapp.statuses import SKIP_LABELS, CertificateStatus, EnrollmentMode, Grade

ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}
IP = "course-v1:Org+IP+2026"
SP = "course-v1:Org+SP+2026"
GONE = "course-v1:Gone+X+2019"
USERNAMES = ("passer", "failer", "waiting", "refuser", "silent", "auditor", "nograde", "dropped", "ghost", "closed")


@pytest.fixture
def world() -> set[str]:
    """acme (audit reporting on): Pass, Fail, In Progress, Audit, no grade yet, an enrollment inactive in the LMS,
    a refused and a missing consent, an unknown course, an inactive learner; initech (audit reporting off): an
    audit enrollment left out. Returns the data values the pages show."""
    acme = make_customer("acme", audit=True, name="Acme Corp")
    initech = make_customer("initech", audit=False, name="Initech")
    ip = make_course(IP, name="Ingeniería", pacing="instructor", end=RUNNING_END)
    sp = make_course(SP, name="Estudio libre", pacing="self", end=ENDED)
    users = {}
    for name in USERNAMES:
        users[name] = make_user(name)
        make_learner(acme, users[name], active=name != "closed")
    for name, status in (("passer", CertificateStatus.DOWNLOADABLE), ("failer", CertificateStatus.NOTPASSING)):
        enroll(users[name], ip)
        consent(acme, users[name], IP)
        make_certificate(users[name], ip, status, grade=0.9 if name == "passer" else 0.3, created=datetime(2026, 5, 1))
    enroll(users["waiting"], ip)
    consent(acme, users["waiting"], IP)
    enroll(users["refuser"], ip)
    consent(acme, users["refuser"], IP, granted=False)
    enroll(users["silent"], ip)
    enroll(users["auditor"], sp, EnrollmentMode.AUDIT)
    consent(acme, users["auditor"], SP)
    grade(users["auditor"], SP, 0.7, True)
    enroll(users["nograde"], sp)
    consent(acme, users["nograde"], SP)
    enroll(users["dropped"], sp, is_active=False)
    consent(acme, users["dropped"], SP)
    grade(users["dropped"], SP, 0.8, True)
    consent(acme, users["ghost"], GONE)
    enroll(users["closed"], sp)
    honor = make_user("honorable")
    make_learner(initech, honor)
    enroll(honor, sp, EnrollmentMode.HONOR)
    consent(initech, honor, SP)
    make_user("staff", is_staff=True)
    db.session.commit()
    return {
        *USERNAMES,
        *(f"{name}@example.com" for name in USERNAMES),
        "honorable",
        "honorable@example.com",
        "staff",
        "Acme Corp",
        "acme",
        "Initech",
        "initech",
        "Ingeniería",
        "Estudio libre",
        IP,
        SP,
        GONE,
        "course-v1:",  # the chosen course's key, shown with break opportunities (`breakable`): its first segment
        AS_OF,
    }


def _spanish(client, url: str, data: set[str]) -> BeautifulSoup:
    """The page in Spanish, checked: no English prose in the title and the content (the layout's header and footer
    and the shared pager macro belong to i18n-core, and are checked on its pages)."""
    soup = client.soup(url, headers=ES)
    assert soup.html["lang"] == "es"
    main = soup.select_one("main")
    for pager in main.select("nav.pager"):
        pager.decompose()
    assert untranslated(BeautifulSoup(str(soup.title) + str(main), "html.parser"), data) == []
    return soup


def _text(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def test_the_picker_in_spanish(client, world) -> None:
    client.login("staff")
    soup = _spanish(client, "/completion/", world)
    text = _text(soup)
    assert "Exportación de finalización de estudiantes" in text
    assert soup.find("label", attrs={"for": "customer"}).get_text(strip=True) == "Cliente empresarial"
    assert [o.get_text() for o in soup.select("#customer option")] == [
        "— elija —",
        "Acme Corp (acme)",
        "Initech (initech)",
    ]
    assert soup.select("#course option")[0].get_text() == "Todos los cursos"


def test_the_preview_in_spanish_shows_every_grade_and_note(client, world) -> None:
    client.login("staff")
    soup = _spanish(client, f"/completion/?customer=acme&as_of={AS_OF}", world)
    text = _text(soup)
    assert "6 en el archivo" in text and "3 omitidas" in text
    assert "Informes de oyentes Activados" in text
    assert "Nunca se ha exportado" in text
    assert "Estudiantes inactivos 1 (sus inscripciones no se tienen en cuenta)" in text
    assert "Descargar CSV (6 registros)" in text
    counts = {
        tr.find_all("td")[0].get_text(" ", strip=True): tr.find_all("td")[1].get_text(strip=True)
        for tr in soup.select("table.compact tbody tr")
    }
    assert counts == {
        "Aprobado": "2",
        "Suspenso": "1",
        "En curso": "1",
        "Oyente": "1",
        "Aún sin calificación": "1",
        "Curso desconocido": "1",
        "Sin consentimiento para compartir datos": "2",
        "Oyente/honor, informes de oyentes desactivados": "0",
    }
    cells = {
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]: [td.get_text(" ", strip=True) for td in tr("td")]
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 9
    }
    assert cells["passer"][2:5] == ["Verificado", "Al ritmo del instructor", "Aprobado"]
    assert cells["passer"][6] == "sí" and cells["passer"][8] == "Certificado"
    assert cells["auditor"][2:5] == ["Oyente", "A ritmo propio", "Oyente"] and cells["auditor"][8] == "Calificaciones"
    assert cells["nograde"][4] == "todavía sin calificación" and cells["nograde"][6] == "no"
    assert cells["dropped"][4] == "Aprobado inscripción inactiva en el LMS"
    assert cells["waiting"][4] == "En curso"
    assert [a.get_text(" ", strip=True) for a in soup.select("nav.tabs")[1].select("a")] == [
        "Todos 6",
        "Aprobado 2",
        "Suspenso 1",
        "En curso 1",
        "Oyente 1",
    ]


def test_the_skipped_enrollments_in_spanish_say_why(client, world) -> None:
    client.login("staff")
    soup = _spanish(client, f"/completion/?customer=acme&as_of={AS_OF}&view=skipped", world)
    why = {
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]: (
            tr.find_all("td")[3].get_text(strip=True),
            tr.find_all("td")[4].get_text(strip=True),
        )
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 5
    }
    assert why == {
        "ghost": (
            "Curso desconocido",
            "ese curso no existe en este sitio (solo se conoce por un consentimiento o un registro de calificación)",
        ),
        "refuser": (
            "Sin consentimiento para compartir datos",
            "el estudiante rechazó el consentimiento para compartir datos en este curso",
        ),
        "silent": (
            "Sin consentimiento para compartir datos",
            "no hay consentimiento para compartir datos registrado en este curso",
        ),
    }

    soup = _spanish(client, f"/completion/?customer=initech&as_of={AS_OF}&view=skipped", world)
    [row] = [tr for tr in soup.select("table.table tbody tr") if len(tr("td")) == 5]
    assert [td.get_text(strip=True) for td in row("td")][2:] == [
        "Honor",
        "Oyente/honor, informes de oyentes desactivados",
        "inscripción de tipo Honor y el cliente no ha activado los informes de oyentes",
    ]


def test_empty_states_and_nothing_to_download_in_spanish(client, world) -> None:
    client.login("staff")
    soup = _spanish(client, f"/completion/?customer=initech&as_of={AS_OF}", world)
    text = _text(soup)
    assert "Nada que descargar: ningún registro está en el archivo, así que no se registra ninguna exportación." in text
    assert "Informes de oyentes Desactivados" in text and "Ningún registro." in text
    soup = _spanish(client, f"/completion/?customer=acme&as_of={AS_OF}&grade=Audit&course={quote(IP)}", world)
    assert "Ningún registro con la calificación Oyente." in _text(soup)
    soup = _spanish(client, f"/completion/?customer=acme&as_of={AS_OF}&view=skipped&course={quote(SP)}", world)
    assert "Ninguna inscripción omitida." in _text(soup)


def test_the_last_export_and_unchanged_enrollments_in_spanish(client, runner, world) -> None:
    client.login("staff")
    download = client.post("/completion/export.csv", data={"customer": "acme", "as_of": AS_OF}, headers=ES)
    assert download.status_code == 200 and download.get_data()  # the export is recorded once the file is read
    url = f"/completion/?customer=acme&as_of={AS_OF}&only_changes=y"
    soup = _spanish(client, url, world)
    text = _text(soup)
    assert "0 en el archivo" in text and "por staff (6 registros)" in text
    assert "ningún registro está en el archivo (ninguna calificación cambió desde la última exportación)" in text
    soup = _spanish(client, url + "&view=skipped&reason=unchanged", world)
    details = {
        tr("td")[4].get_text(strip=True).rsplit(" el ", 1)[0]
        for tr in soup.select("table.table tbody tr")
        if len(tr("td")) == 5
    }
    assert details == {
        "la calificación Aprobado ya se exportó",
        "la calificación Suspenso ya se exportó",
        "la calificación En curso ya se exportó",
        "la calificación Oyente ya se exportó",
        "ya se exportó sin calificación",
    }
    assert "Sin cambios desde la última exportación" in _text(soup)

    result = runner.invoke(args=["completion", "export", "--customer", "initech", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    soup = _spanish(client, f"/completion/?customer=initech&as_of={AS_OF}", world)
    assert "desde la línea de comandos (0 registros)" in _text(soup)


def test_refusals_in_spanish(client, world) -> None:
    client.login("staff")
    soup = _spanish(client, "/completion/?customer=acme&as_of=el+martes", world)
    assert soup.select_one(".field-error").get_text(strip=True) == (
        "No es una fecha ISO 8601, p. ej., 2026-06-30 o 2026-06-30T12:00:00Z."
    )
    soup = _spanish(client, "/completion/?customer=nobody", world)
    assert soup.select_one(".field-error").get_text(strip=True) == "Opción inválida."  # WTForms' own catalog
    refused = client.post("/completion/export.csv", data={"customer": ""}, headers=ES)
    assert refused.status_code == 400
    assert "Primero elija un cliente" in refused.get_data(as_text=True)


def test_the_csv_is_byte_identical_in_english_and_spanish_and_its_audit_stays_english(client, world) -> None:
    client.login("staff")
    data = {"customer": "acme", "as_of": AS_OF}
    english = client.post("/completion/export.csv", data=data, headers=EN)
    spanish = client.post("/completion/export.csv", data=data, headers=ES)
    assert english.status_code == spanish.status_code == 200
    assert spanish.get_data() == english.get_data()
    assert spanish.headers["Content-Disposition"] == english.headers["Content-Disposition"]
    body = spanish.get_data(as_text=True)
    assert body.startswith("\ufeff" + ",".join(completion.HEADER) + "\r\n")
    assert ",Pass," in body and ",In Progress," in body and ",Audit," in body and ",grades" in body
    summaries = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "completion.export")).all()
    assert len(summaries) == 2 and all("6 records, 3 skipped" in s for s in summaries)


def test_every_label_the_page_shows_has_a_spanish_translation() -> None:
    """The words of `statuses` the page shows are marked in `services.completion`; a new one needs marking."""
    spanish = catalog("es")
    labels = [*SKIP_LABELS.values(), *Grade, *(mode.label for mode in EnrollmentMode)]
    labels += [*completion.PACING_LABELS.values(), *completion.SOURCE_LABELS.values()]
    missing = [label for label in labels if not (spanish.get(label) and spanish.get(label).string)]
    assert missing == []
