"""What staff read and where they can go next (issue 17): labels not codes, singular/plural words,
the navigation fixes, the pictures' text tables, and no `aria-describedby="None"`. Pages through the
test client, read with BeautifulSoup."""

from __future__ import annotations

import io
import json

from tests.builders import allow, enroll, make_certificate, make_course_staff, make_user
from tests.certificates.helpers import COURSE_A, plan_id_of, upload, world_with_learners
from tests.proctoring.builders import make_attempt, make_exam, make_review
from webapp.extensions import db
from webapp.models import AuditEvent

# ------------------------------------------------------------------------------------------------- words


def test_preview_counts_are_singular_or_plural_never_row_s(client):
    world_with_learners()
    client.login("instructor")
    one_error = plan_id_of(upload(client, b"ann\nghost\n"))
    text = client.soup(f"/plans/{one_error}").get_text(" ", strip=True)
    assert "The row with an error is left out." in text
    assert "(CSV, 1 row)" in text and "(s)" not in text
    two_errors = plan_id_of(upload(client, b"ann\nghost\nphantom\n"))
    text = client.soup(f"/plans/{two_errors}").get_text(" ", strip=True)
    assert "The 2 rows with errors are left out." in text and "(CSV, 2 rows)" in text and "(s)" not in text


def test_an_error_row_leads_with_its_message_and_keeps_the_code_as_secondary_text(client):
    world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann\nghost\n"))
    rows = client.soup(f"/plans/{plan_id}").select("table.plan-rows tbody tr")
    what = rows[1].select_one("td.what")
    assert what.get_text(" ", strip=True).startswith("ghost does not exist")
    assert what.select_one(".row-code code").get_text() == "unknown_learner"
    assert rows[0].select_one(".row-code") is None  # a create row shows no code


def test_a_create_row_says_what_it_creates_in_the_change_column(client):
    world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,Scholarship\n"))
    change = client.soup(f"/plans/{plan_id}").select_one("table.plan-rows tbody tr td.change")
    assert change.get_text(" ", strip=True) == "new, as written"


def test_errors_first_is_offered_only_when_there_are_errors(client):
    world_with_learners()
    client.login("instructor")
    clean_id = plan_id_of(upload(client, b"ann\nbob\n"))
    clean = client.soup(f"/plans/{clean_id}")
    assert clean.find("a", string="Errors first") is None
    error_id = plan_id_of(upload(client, b"ann\nghost\n"))
    with_error = client.soup(f"/plans/{error_id}")
    assert with_error.find("a", string="Errors first") is not None


def test_a_revalidation_is_counted_as_a_revalidation_not_a_deactivation(client):
    w = world_with_learners()
    certificate = make_certificate(w["ann"], w["course_a"], "downloadable", grade=0.9)
    db.session.commit()
    client.login("instructor")
    from tests.builders import invalidate

    invalidation = invalidate(certificate, notes="copied")
    db.session.commit()
    response = client.post(f"/courses/{COURSE_A}/certificates/invalidations/{invalidation.id}/revalidate")
    assert response.status_code == 302
    row = client.soup(f"/courses/{COURSE_A}/plans").select_one("tbody tr")
    counts = [b.get_text(strip=True) for b in row.select("td.counts .badge")]
    assert counts == ["Re-validate 1"]


def test_audit_filter_and_rows_show_action_labels_with_the_code_as_secondary_text(client):
    world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    client.post(f"/plans/{plan_id}/apply")
    client.login("staff")
    soup = client.soup("/audit/")
    options = {o["value"]: o.get_text(strip=True) for o in soup.select("select[name=action] option")}
    assert options["plan.apply"] == "Plan applied"
    cell = soup.select_one("tbody tr td:nth-of-type(3)")
    assert cell.get_text(" ", strip=True) == "Plan applied plan.apply"
    assert cell.select_one("code.secondary").get_text() == "plan.apply"


def test_academy_changes_show_lists_and_flags_as_words(client, tmp_path):
    from tests.academies.builders import make_academy

    world_with_learners()
    make_academy("Gone")
    db.session.commit()
    client.login("staff")
    catalog = {"results": [{"uuid": "u-1", "title": "Data", "tags": ["ai", {"title": "strategy"}]}]}
    response = client.post(
        "/academies/sync",
        data={
            "source": "upload",
            "file": (io.BytesIO(json.dumps(catalog).encode()), "c.json"),
            "deactivate_missing": "y",
        },
        content_type="multipart/form-data",
    )
    soup = client.soup(f"/plans/{plan_id_of(response)}")
    changes = soup.select_one("table.plan-rows").get_text(" ", strip=True)
    assert "tags ai, strategy" in changes and "['ai'" not in changes
    assert "active yes → no" in changes and "True" not in changes and "False" not in changes
    header = soup.select_one(".plan-header").get_text(" ", strip=True)
    assert "deactivate academies the catalog no longer lists: yes" in header


def test_second_review_choices_say_what_they_do_to_attempt_and_credit(client):
    course = make_course_for_reviews()
    attempt = make_attempt(make_exam(course, name="Midterm"), make_user("alice"), "second_review_required")
    make_review(attempt, "Suspicious", None)
    db.session.commit()
    client.login("course_staff")
    soup = client.soup(f"/proctoring/reviews/{attempt.attempt_code}")
    choices = {
        label.strong.get_text(strip=True): label.select_one(".choice-effect").get_text(strip=True)
        for label in soup.select("fieldset label")
    }
    assert choices == {
        "Passed": "Attempt becomes Verified; credit status becomes Satisfied",
        "Rules violation": "Attempt becomes Verified; credit status becomes Satisfied",
        "Suspicious": "Attempt becomes Rejected; credit status becomes Failed",
        "Not reviewed": "Attempt becomes Error; credit status becomes Failed",
    }
    assert soup.select_one("#review-details").get_text(" ", strip=True).count("Suspicious") == 1


def make_course_for_reviews():
    from tests.builders import make_course

    course = make_course("course-v1:edX+DemoX+Demo_Course", name="Demo Course")
    make_course_staff(make_user("course_staff"), course)
    return course


# --------------------------------------------------------------------------------------------- navigation


def _breadcrumb(soup) -> str:
    crumbs = soup.select("nav.breadcrumbs")
    assert len(crumbs) == 1
    return crumbs[0].get_text(" ", strip=True)


def test_an_academy_plan_leads_back_to_the_academies(client, app_ctx):
    world_with_learners()
    client.login("staff")
    response = client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(b'{"results": []}'), "c.json")},
        content_type="multipart/form-data",
    )
    plan_id = plan_id_of(response)
    soup = client.soup(f"/plans/{plan_id}")
    assert _breadcrumb(soup) == f"Academies › Sync history › Plan #{plan_id}"
    assert soup.select_one("nav.breadcrumbs a")["href"] == "/academies/"


def test_a_replay_plan_leads_back_to_the_proctoring_reviews(client):
    from tests.proctoring.builders import sample_payload

    world_with_learners()
    client.login("staff")
    response = client.post(
        "/proctoring/replay",
        data={"file": (io.BytesIO(json.dumps(sample_payload()).encode()), "backlog.json")},
        content_type="multipart/form-data",
    )
    plan_id = plan_id_of(response)
    assert _breadcrumb(client.soup(f"/plans/{plan_id}")) == f"Proctoring reviews › Plan #{plan_id}"


def test_the_exceptions_result_page_links_to_the_allowlist(client):
    world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    client.post(f"/plans/{plan_id}/apply")
    soup = client.soup(f"/plans/{plan_id}")
    link = soup.find("a", string="Open the allowlist")
    assert link["href"] == f"/courses/{COURSE_A}/certificates/exceptions"
    assert _breadcrumb(soup) == f"Courses › Course A › Plan history › Plan #{plan_id}"


def test_learner_names_on_the_attempts_list_open_their_reviews(client):
    course = make_course_for_reviews()
    exam = make_exam(course, name="Midterm")
    reviewed = make_attempt(exam, make_user("alice"), "second_review_required")
    make_review(reviewed, "Suspicious", None)
    make_attempt(exam, make_user("bob"), "started")
    db.session.commit()
    client.login("course_staff")
    rows = client.soup(f"/courses/{course.key}/proctoring/attempts").select("#attempts tbody tr")
    cells = {tr.select_one("td").get_text(strip=True): tr.select_one("td") for tr in rows}
    assert cells["alice"].a["href"] == f"/proctoring/reviews/{reviewed.attempt_code}"
    assert cells["bob"].a is None  # no review yet: nothing to open


def test_the_413_page_leads_back_to_the_upload_form(client, app):
    world_with_learners()
    client.login("instructor")
    form_url = f"http://localhost/courses/{COURSE_A}/certificates/exceptions"
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post(
            f"/courses/{COURSE_A}/certificates/exceptions/upload",
            data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
            content_type="multipart/form-data",
            headers={"Referer": form_url},
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    from bs4 import BeautifulSoup

    back = BeautifulSoup(response.data, "html.parser").find("a", string="Back to the upload form")
    assert back["href"] == form_url


def test_the_413_page_never_links_to_another_site(client, app):
    world_with_learners()
    client.login("instructor")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post(
            f"/courses/{COURSE_A}/certificates/exceptions/upload",
            data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
            content_type="multipart/form-data",
            headers={"Referer": "https://evil.example/form"},
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and b"evil.example" not in response.data


def test_a_file_chosen_with_the_configured_catalog_is_refused_not_ignored(client):
    world_with_learners()
    client.login("staff")
    response = client.post(
        "/academies/sync",
        data={"source": "catalog", "file": (io.BytesIO(b"[]"), "mine.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    from bs4 import BeautifulSoup

    errors = [e.get_text(strip=True) for e in BeautifulSoup(response.data, "html.parser").select(".field-error")]
    assert errors == [
        "You chose the file mine.json, but the source is the configured catalog. Choose “An uploaded JSON "
        "file” to sync from the file, or remove the file to sync from the catalog."
    ]
    assert db.session.query(AuditEvent).count() == 0


def test_an_empty_catalog_with_deactivate_missing_says_the_safety_rule_held(client):
    from tests.academies.builders import make_academy

    world_with_learners()
    make_academy("Kept")
    db.session.commit()
    client.login("staff")
    response = client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(b'{"results": []}'), "c.json"), "deactivate_missing": "y"},
        content_type="multipart/form-data",
    )
    note = client.soup(f"/plans/{plan_id_of(response)}").select_one("#empty-plan").get_text(" ", strip=True)
    assert note == (
        "Nothing to apply: this plan has no rows. The catalog answer listed no academies, so the safety rule "
        "held: no academy is deactivated (an empty or broken answer never deactivates anything)."
    )


def test_the_sync_error_hint_says_to_fix_the_catalog_not_to_upload_again(client):
    world_with_learners()
    client.login("staff")
    catalog = {"results": [{"uuid": "u-1", "title": "Data"}, {"uuid": "u-2"}]}
    response = client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(json.dumps(catalog).encode()), "c.json")},
        content_type="multipart/form-data",
    )
    text = client.soup(f"/plans/{plan_id_of(response)}").get_text(" ", strip=True)
    assert "upload them again" not in text


# ------------------------------------------------------------------------------------------------ pictures


def test_course_page_shows_the_certificate_bar_with_the_same_numbers_as_a_table(client):
    w = world_with_learners()
    make_certificate(w["ann"], w["course_a"], "downloadable", grade=0.9)
    make_certificate(w["bob"], w["course_a"], "downloadable", grade=0.8)
    make_certificate(w["cat"], w["course_a"], "notpassing", grade=0.2)
    make_certificate(w["dan"], w["course_a"], "audit_passing", grade=0.7)
    db.session.commit()
    client.login("staff")
    figure = client.soup(f"/courses/{COURSE_A}/").select_one("#certificate-status-chart")
    assert figure.svg["aria-hidden"] == "true" and len(figure.svg.select("rect.chart-good")) == 1
    table = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in figure.select("table tbody tr")}
    assert table == {"Received": "2", "Not Received": "1", "Audit": "1", "Error": "0", "Invalidated": "0"}


def test_proctoring_pages_show_outcomes_per_week_and_the_needs_attention_count(client):
    course = make_course_for_reviews()
    exam = make_exam(course, name="Midterm")
    for name, status in (("alice", "Suspicious"), ("bob", "Clean"), ("cat", "Clean")):
        make_review(make_attempt(exam, make_user(name), "second_review_required"), status, None)
    db.session.commit()
    client.login("course_staff")
    for url in ("/proctoring/reviews", f"/courses/{course.key}/proctoring/"):
        soup = client.soup(url)
        assert soup.select_one(".attention-count strong").get_text() == "1"
        rows = soup.select("#outcomes-chart table tbody tr")
        assert len(rows) == 8
        this_week = [td.get_text() for td in rows[-1].select("td")]
        assert this_week == ["2", "0", "1", "0", "3"]  # Clean, Rules Violation, Suspicious, Not Reviewed, total


def test_plan_history_shows_a_bar_per_plan_beside_its_counts(client):
    world_with_learners()
    client.login("instructor")
    plan_id_of(upload(client, b"ann\nghost\n"))
    client.login("staff")
    cell = client.soup("/plans").select_one("tbody tr td.counts")
    assert cell.select_one(".mini-bar svg")["aria-hidden"] == "true"
    assert [b.get_text(strip=True) for b in cell.select(".badge")] == ["Error 1", "Create 1"]


# ---------------------------------------------------------------------------------------------- accessibility


def test_no_field_says_aria_describedby_none(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"])
    enroll(make_user("zed"), w["course_a"])
    db.session.commit()
    assert b'aria-describedby="None"' not in client.get("/login").data
    client.login("staff")
    for url in (
        f"/courses/{COURSE_A}/certificates/exceptions",
        f"/courses/{COURSE_A}/certificates/invalidations",
        f"/courses/{COURSE_A}/certificates/",
        "/completion/",
        "/audit/",
        "/academies/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'aria-describedby="None"' not in response.data, url


def test_completion_offers_no_download_of_an_empty_file(client):
    from tests.completion.builders import make_customer

    world_with_learners()
    make_customer("acme")
    db.session.commit()
    client.login("staff")
    soup = client.soup("/completion/?customer=acme")
    assert soup.find("button", string=lambda s: s and s.startswith("Download CSV")) is None
    assert soup.select_one("#nothing-to-download").get_text(" ", strip=True) == (
        "Nothing to download: no record is in the file, so no export is recorded."
    )
