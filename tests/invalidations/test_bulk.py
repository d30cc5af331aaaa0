"""Bulk invalidation from a CSV through the course page: every rule and code, apply, revert, refused files."""

from __future__ import annotations

import pytest

from tests.builders import allow, invalidate, make_certificate, make_user
from tests.invalidations.helpers import COURSE, csv_file, invalidations_count, last_plan, rows_of, status_of, world
from webapp.extensions import db
from webapp.models import Invalidation, Plan
from webapp.statuses import CertificateStatus

UPLOAD = f"/courses/{COURSE}/certificates/invalidations/upload"


@pytest.fixture
def w(client):
    data = world()
    client.login("instructor")
    return data


def upload(client, text: str, name: str = "roster.csv", encoding: str = "utf-8"):
    return client.post(
        UPLOAD, data={"file": csv_file(text, name), "encoding": encoding}, content_type="multipart/form-data"
    )


def plan_from(response) -> int:
    assert response.status_code == 302, response.data[:400]
    assert "/plans/" in response.headers["Location"]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_every_code_in_order(client, w):
    course = w["course"]
    allowed_no_cert = make_user("allowed_nocert")
    allow(allowed_no_cert, course)
    allowed_invalidated = make_user("allowed_inv")
    allow(allowed_invalidated, course)
    invalidate(make_certificate(allowed_invalidated, course), notes="old")
    invalidate(w["fi_cert"], notes="cheating")
    same = make_user("same")
    invalidate(make_certificate(same, course), notes="same notes")
    db.session.commit()
    text = (
        "username,notes\n"  # row 1 header
        "ana,copied answers\n"  # 2 create
        "ghost\n"  # 3 unknown_learner
        "nocert\n"  # 4 no_certificate
        "allowed_nocert\n"  # 5 no_certificate comes before on_allowlist
        "allowed_inv,x\n"  # 6 on_allowlist comes before already_invalidated
        "fi,new notes\n"  # 7 already_invalidated, other notes -> update
        "SAME@example.com,same notes\n"  # 8 already_invalidated, same notes -> unchanged
        "cy\n"  # 9 certificate_not_valid (notpassing)
        "di\n"  # 10 certificate_not_valid (audit_passing)
        "\n"  # 11 blank
        "bo,first\n"  # 12 duplicate of row 13
        "bo@example.com,second\n"
    )  # 13 certificate_not_valid: only a downloadable certificate can be invalidated (is_valid())
    rows = rows_of(plan_from(upload(client, text)))
    got = {n: (r.action, r.code) for n, r in rows.items()}
    assert got == {
        2: ("create", ""),
        3: ("error", "unknown_learner"),
        4: ("error", "no_certificate"),
        5: ("error", "no_certificate"),
        6: ("error", "on_allowlist"),
        7: ("update", "already_invalidated"),
        8: ("unchanged", "already_invalidated"),
        9: ("error", "certificate_not_valid"),
        10: ("error", "certificate_not_valid"),
        11: ("skip", "blank_row"),
        12: ("skip", "duplicate_row"),
        13: ("error", "certificate_not_valid"),
    }
    assert "ghost does not exist" in rows[3].message
    assert rows[13].message == rows[9].message == "Certificate is already invalid"
    assert rows[7].before == {"notes": "cheating"} and rows[7].after == {"notes": "new notes"}
    # planning writes nothing
    assert status_of(w["ana"]) == CertificateStatus.DOWNLOADABLE
    assert invalidations_count() == 3


def test_apply_invalidates_and_updates_notes(client, w):
    invalidate(w["fi_cert"], notes="cheating", by=w["staff"])
    db.session.commit()
    plan_id = plan_from(upload(client, "ana,copied answers\nbo\nfi,plagiarism\n"))
    response = client.post(f"/plans/{plan_id}/apply", follow_redirects=True)
    assert response.status_code == 200
    assert "Applied: 2 changes written, 0 failed." in response.get_data(as_text=True)
    assert status_of(w["ana"]) == CertificateStatus.UNAVAILABLE
    assert status_of(w["bo"]) == CertificateStatus.GENERATING  # not downloadable: "Certificate is already invalid"
    ana = db.session.scalar(db.select(Invalidation).where(Invalidation.certificate_id == w["ana_cert"].id))
    assert (ana.notes, ana.active, ana.status_before, ana.invalidated_by.username) == (
        "copied answers",
        True,
        "downloadable",
        "instructor",
    )
    assert db.session.scalar(db.select(Invalidation).where(Invalidation.certificate_id == w["bo_cert"].id)) is None
    fi = db.session.scalars(db.select(Invalidation).where(Invalidation.certificate_id == w["fi_cert"].id)).all()
    assert len(fi) == 1 and fi[0].notes == "plagiarism"


def test_revert_revalidates_and_restores_the_previous_status(client, w):
    invalidate(w["fi_cert"], notes="cheating")
    db.session.commit()
    plan_id = plan_from(upload(client, "ana,a\nfi,changed\n"))
    client.post(f"/plans/{plan_id}/apply")
    response = client.post(f"/plans/{plan_id}/revert")
    inverse_id = plan_from(response)
    inverse = db.session.get(Plan, inverse_id)
    assert inverse.reverts_id == plan_id and inverse.kind == "certificates.revalidate"
    rows = {r.label.split()[0]: (r.action, r.code) for r in rows_of(inverse_id).values()}
    assert rows == {"ana": ("deactivate", ""), "fi": ("update", "restore_notes")}
    assert status_of(w["ana"]) == CertificateStatus.UNAVAILABLE  # nothing written before apply
    client.post(f"/plans/{inverse_id}/apply")
    db.session.expire_all()
    assert status_of(w["ana"]) == CertificateStatus.DOWNLOADABLE
    assert status_of(w["fi"]) == CertificateStatus.UNAVAILABLE  # it was invalidated before the upload
    history = db.session.scalars(db.select(Invalidation).order_by(Invalidation.id)).all()
    assert [(i.certificate.user.username, i.active, i.notes) for i in history] == [
        ("fi", True, "cheating"),
        ("ana", False, "a"),
    ]


def test_stale_plan_writes_nothing(client, w):
    plan_id = plan_from(upload(client, "ana\nbo\n"))
    invalidate(w["ana_cert"], notes="meanwhile")
    db.session.commit()
    response = client.post(f"/plans/{plan_id}/apply")
    assert plan_from(response) != plan_id  # the fresh preview
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).status == "stale"
    assert status_of(w["bo"]) == CertificateStatus.GENERATING


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("roster.xlsx", b"ana\n", "is not a .csv file"),
        ("empty.csv", b"", "no learner rows"),
        ("header.csv", b"username,notes\n\n", "no learner rows"),
        ("latin.csv", "ana,caf\u00e9\n".encode("cp1252"), "CSV UTF-8"),
    ],
)
def test_refused_files_rerender_the_page_and_write_nothing(client, w, name, body, message):
    import io

    response = client.post(
        UPLOAD, data={"file": (io.BytesIO(body), name), "encoding": "utf-8"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Invalidate from a CSV file" in page
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0
    assert last_plan() is None


def test_windows_1252_file_with_the_explicit_encoding(client, w):
    import io

    body = "ana,caf\u00e9 fraud\n".encode("cp1252")
    response = client.post(
        UPLOAD, data={"file": (io.BytesIO(body), "r.CSV"), "encoding": "cp1252"}, content_type="multipart/form-data"
    )
    rows = rows_of(plan_from(response))
    assert rows[1].action == "create" and rows[1].cells[1] == "caf\u00e9 fraud"


def test_missing_file_rerenders_with_the_field_error(client, w):
    response = client.post(UPLOAD, data={"encoding": "utf-8"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)
