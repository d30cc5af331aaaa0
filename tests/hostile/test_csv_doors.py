"""Hostile CSV files through every CSV door (upload pages and CLI): a clear refusal, nothing written."""

from __future__ import annotations

import io

import pytest

from tests.builders import enroll, make_course, make_user
from tests.hostile.corpus import CSV_CORPUS, snapshot
from webapp.extensions import db

COURSE = "course-v1:Hostile+H+1"
UPLOADS = [
    f"/courses/{COURSE}/certificates/exceptions/upload",
    f"/courses/{COURSE}/certificates/exceptions/remove-upload",
    f"/courses/{COURSE}/certificates/invalidations/upload",
]
CLI = ["import-exceptions", "remove-exceptions", "import-invalidations"]


@pytest.fixture
def world():
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    enroll(make_user("alice"), course)
    db.session.commit()


@pytest.mark.parametrize("name", list(CSV_CORPUS))
def test_upload_pages_refuse_clearly_and_write_nothing(client, world, app, name):
    content = CSV_CORPUS[name]()
    client.login("staff")
    for url in UPLOADS:
        before = snapshot()
        response = client.post(
            url,
            data={"file": (io.BytesIO(content), "roster.csv"), "encoding": "utf-8"},
            content_type="multipart/form-data",
        )
        assert response.status_code in (400, 413), (url, response.status_code)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text
        assert any(
            word in text
            for word in (
                "not valid UTF-8",
                "NUL",
                "larger than",
                "no learner rows",
                "more than",
                "cannot be read",
                "no username_or_email column",
            )
        ), (url, name, text[-3000:])
        assert snapshot() == before


@pytest.mark.parametrize("name", list(CSV_CORPUS))
def test_cli_refuses_with_exit_1_and_writes_nothing(runner, world, tmp_path, name):
    path = tmp_path / "roster.csv"
    path.write_bytes(CSV_CORPUS[name]())
    for command in CLI:
        before = snapshot()
        result = runner.invoke(args=["certificates", command, str(path), "--course", COURSE, "--as", "staff"])
        assert result.exit_code == 1, (command, result.output)
        assert "Error:" in result.output and "Traceback" not in result.output
        assert snapshot() == before
