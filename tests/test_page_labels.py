"""What staff read: labels, never raw status codes; one summary per result; one breadcrumb per page."""

from __future__ import annotations

import re

from tests.builders import allow, enroll, make_certificate, make_course, make_course_staff, make_user
from tests.certificates.helpers import COURSE_A, plan_id_of, upload, world_with_learners
from tests.proctoring.builders import make_attempt, make_exam, make_review
from webapp.extensions import db
from webapp.statuses import EffectKind, badge_class

RAW_CERTIFICATE_CODES = re.compile(r"\b(audit_passing|notpassing|unavailable|downloadable)\b")


def _removal_plan(client) -> int:
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="ann")
    make_certificate(w["ann"], w["course_a"], "audit_passing", grade=0.88)
    db.session.commit()
    client.login("staff")
    return plan_id_of(upload(client, b"ann\n", removal=True))


def test_plan_rows_show_status_labels_not_codes(client):
    plan_id = _removal_plan(client)
    row = client.soup(f"/plans/{plan_id}").select_one("table.plan-rows tbody tr")
    cells = row.select("td")
    change = cells[-1].get_text(" ", strip=True)
    assert "certificate status Audit - Passing → Not Received" in change
    assert not RAW_CERTIFICATE_CODES.search(change)
    assert cells[3].get_text(strip=True) == "Delete"  # the action's label, not its code


def test_destructive_side_effects_have_a_warning_badge(client):
    plan_id = _removal_plan(client)
    badge = client.soup(f"/plans/{plan_id}").select_one("ul.effects .badge")
    assert badge.get_text(strip=True) == "Certificate made unavailable"
    assert "badge-bad" in badge["class"]
    assert all(badge_class(kind) in ("warn", "bad") for kind in EffectKind if kind.destructive)


def test_the_result_is_said_once_not_repeated_by_a_flash(client):
    plan_id = _removal_plan(client)
    page = client.post(f"/plans/{plan_id}/apply", follow_redirects=True).get_data(as_text=True)
    assert "Applied: 1 change written, 0 failed." in page
    assert page.count("change written") == 1
    assert "made 1 certificate unavailable" in page


def test_review_page_has_one_breadcrumb_and_says_the_provider_status_once(client):
    course = make_course("course-v1:edX+DemoX+Demo_Course", name="Demo Course")
    make_course_staff(make_user("course_staff"), course)
    attempt = make_attempt(make_exam(course, name="Midterm"), make_user("alice"), "second_review_required")
    make_review(attempt, "Suspicious", None)
    db.session.commit()
    client.login("course_staff")
    soup = client.soup(f"/proctoring/reviews/{attempt.attempt_code}")
    crumbs = soup.select("nav.breadcrumbs")
    assert len(crumbs) == 1
    assert crumbs[0].get_text(" ", strip=True) == "Courses › Demo Course › Proctoring reviews › alice"
    assert soup.select_one("#review-status").get_text(" ", strip=True) == "Suspicious"
    choices = [lab.get_text(" ", strip=True) for lab in soup.select("fieldset label strong")]
    assert choices == ["Passed", "Rules violation", "Suspicious", "Not reviewed"]
    confirm = client.soup(f"/proctoring/reviews/{attempt.attempt_code}/second-review?decision=suspicious&note=x")
    crumbs = confirm.select("nav.breadcrumbs")
    assert len(crumbs) == 1
    assert crumbs[0].get_text(" ", strip=True).endswith("Proctoring reviews › alice › Confirm second review")


def test_course_overview_shows_enrollment_mode_labels(client):
    w = world_with_learners()
    enroll(make_user("nia"), w["course_a"], mode="no-id-professional")
    db.session.commit()
    client.login("staff")
    cells = [td.get_text(strip=True) for td in client.soup(f"/courses/{COURSE_A}/").select("table td")]
    assert "Professional (no ID)" in cells and "no-id-professional" not in cells


def test_plan_history_counts_show_action_labels(client):
    plan_id = _removal_plan(client)
    row = next(tr for tr in client.soup("/plans").select("tbody tr") if tr.find("a", string=f"#{plan_id}"))
    counts = [b.get_text(strip=True) for b in row.select("td.counts .badge")]
    assert counts == ["Delete 1"]


def test_attempt_filters_and_counts_show_status_labels(client):
    course = make_course("course-v1:edX+DemoX+Demo_Course", name="Demo Course")
    make_course_staff(make_user("course_staff"), course)
    make_attempt(make_exam(course, name="Midterm"), make_user("alice"), "second_review_required")
    db.session.commit()
    client.login("course_staff")
    attempts = client.soup(f"/courses/{course.key}/proctoring/attempts")
    options = [o.get_text(strip=True) for o in attempts.select("select[name=status] option")]
    assert "Second review required" in options and "second review required" not in options
    overview = client.soup(f"/courses/{course.key}/proctoring/").select_one("td.counts").get_text(" ", strip=True)
    assert overview == "Second review required 1"


def test_issued_list_shows_the_enrollment_track_label(client):
    w = world_with_learners()
    nia = make_user("nia")
    enroll(nia, w["course_a"], mode="no-id-professional")
    make_certificate(nia, w["course_a"], "downloadable", grade=0.9)
    db.session.commit()
    client.login("staff")
    row = next(
        tr for tr in client.soup(f"/courses/{COURSE_A}/certificates/").select("tbody tr") if "nia" in tr.get_text()
    )
    assert row.select("td")[2].get_text(strip=True) == "Professional (no ID)"


def test_single_invalidation_confirmation_names_the_status_label(client):
    from tests.invalidations.helpers import COURSE, world

    world()
    client.login("instructor")
    soup = client.soup(f"/courses/{COURSE}/certificates/invalidations/one?identifier=ana&notes=copied")
    consequence = soup.select_one("#consequence").get_text(" ", strip=True)
    assert consequence.startswith("The certificate (Received) becomes unavailable")


def test_plan_header_shows_parameters_as_labels(client):
    world_with_learners()
    client.login("instructor")
    response = client.post(f"/courses/{COURSE_A}/certificates/generate", data={"scope": "all"})
    header = client.soup(f"/plans/{plan_id_of(response)}").select_one(".plan-header").get_text(" ", strip=True)
    assert "scope: All Learners" in header and "regenerate: no" in header
