"""A NUL byte in any text of a request (path, query, form field, file name) is refused once, before any view:
400 with a message naming the field, nothing written, the same on SQLite and PostgreSQL (where such text
cannot be stored and used to give a 500). File contents are the readers' job (see test_csv_doors,
test_json_doors, test_yaml_specs)."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup

from tests.builders import enroll, make_course, make_user
from tests.hostile.corpus import snapshot
from tests.proctoring.builders import make_attempt, make_exam, make_review
from webapp.extensions import db

COURSE = "course-v1:Nul+N+1"
CODE = "00000000-0000-4000-8000-000000000777"


@pytest.fixture
def world():
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    alice = make_user("alice")
    enroll(alice, course)
    make_review(make_attempt(make_exam(course), alice, "second_review_required", code=CODE), "Suspicious")
    db.session.commit()


def _message(response) -> str:
    return BeautifulSoup(response.data, "html.parser").find("main").get_text(" ", strip=True)


GETS = {
    "exceptions search": (f"/courses/{COURSE}/certificates/exceptions?q=al%00ice", "The “q” parameter"),
    "invalidations search": (f"/courses/{COURSE}/certificates/invalidations?q=%00", "The “q” parameter"),
    "issued search": (f"/courses/{COURSE}/certificates/?q=a%00", "The “q” parameter"),
    "issued export search": (f"/courses/{COURSE}/certificates/issued.csv?q=a%00", "The “q” parameter"),
    "academies search": ("/academies/?q=%00", "The “q” parameter"),
    "review queue search": ("/proctoring/reviews?q=%00x", "The “q” parameter"),
    "audit filter": ("/audit/?actor=%00", "The “actor” parameter"),
    "a parameter's name": ("/plans?pa%00ge=1", "The “pa\\x00ge” parameter name"),
    "course key in the path": ("/courses/course-v1:Nul%00+N+1/certificates/exceptions", "The address"),
    "attempt code in the path": (f"/proctoring/reviews/{CODE}%00", "The address"),
}


@pytest.mark.parametrize("name", list(GETS))
def test_nul_in_address_or_query_is_a_400_naming_it(client, world, name):
    url, where = GETS[name]
    client.login("staff")
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert where in _message(response)
    assert "contains a NUL character (\\x00) at position" in _message(response)


POSTS = {
    "add-exception notes": (
        f"/courses/{COURSE}/certificates/exceptions/add",
        {"identifier": "alice", "notes": "ok\x00"},
        "The “notes” field contains a NUL character (\\x00) at position 3, which cannot be stored; remove it.",
    ),
    "invalidation notes": (
        f"/courses/{COURSE}/certificates/invalidations/one",
        {"identifier": "alice", "notes": "\x00"},
        "The “notes” field contains a NUL character (\\x00) at position 1, which cannot be stored; remove it.",
    ),
    "second-review note": (
        f"/proctoring/reviews/{CODE}/second-review",
        {"decision": "passed", "note": "fine\x00"},
        "The “note” field contains a NUL character (\\x00) at position 5, which cannot be stored; remove it.",
    ),
    "academy name": (
        "/academies/sync",
        {"source": "catalog", "academy": "Data\x00 Academy"},
        "The “academy” field contains a NUL character (\\x00) at position 5, which cannot be stored; remove it.",
    ),
    "upload file name": (
        f"/courses/{COURSE}/certificates/exceptions/upload",
        {"file": (b"alice\n", "ros\x00ter.csv"), "encoding": "utf-8"},  # a fresh stream per run (below)
        "The name of the file in “file” contains a NUL character (\\x00) at position 4, which cannot be stored; "
        "remove it.",
    ),
}


@pytest.mark.parametrize("name", list(POSTS))
def test_nul_in_a_form_is_a_400_naming_the_field_and_writes_nothing(client, world, name):
    url, form, message = POSTS[name]
    # a file is opened for each run: the client closes the stream it sends, so a shared one reads only once
    form = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in form.items()}
    client.login("staff")
    before = snapshot()
    response = client.post(url, data=form, content_type="multipart/form-data")
    assert response.status_code == 400, (url, response.status_code)
    assert message in _message(response)
    assert snapshot() == before


def test_anonymous_login_form_with_nul_is_a_400(client, world):
    before = snapshot()
    response = client.post("/login", data={"username": "sta\x00ff", "password": "edx"})
    assert response.status_code == 400
    assert "The “username” field contains a NUL character (\\x00) at position 4" in _message(response)
    assert snapshot() == before
    assert client.login("staff").status_code == 302  # the real user is not locked out by it


def test_text_without_nul_still_passes(client, world):
    client.login("staff")
    assert client.get(f"/courses/{COURSE}/certificates/exceptions?q=ali%25ce_").status_code == 200
