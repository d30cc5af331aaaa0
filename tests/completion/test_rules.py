"""Every branch of domain §4, read back from the exported CSV (the CLI is the door)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.builders import enroll, make_certificate, make_course, make_user
from tests.completion.builders import (
    AS_OF,
    ENDED,
    RUNNING_END,
    by_user,
    consent,
    export,
    grade,
    make_customer,
    make_learner,
)
from webapp.extensions import db
from webapp.models import User
from webapp.statuses import CertificateStatus


def _learner(customer, course, username, mode="verified"):
    user = make_user(username)
    make_learner(customer, user)
    enroll(user, course, mode)
    consent(customer, user, course.key)
    return user


def test_instructor_paced_with_certificate_decides_pass_and_fail(runner):
    customer = make_customer()
    course = make_course("course-v1:Org+IP+2026", pacing="instructor", end=RUNNING_END)
    passing = _learner(customer, course, "passer")
    failing = _learner(customer, course, "failer")
    generating = _learner(customer, course, "generating")
    make_certificate(
        passing, course, CertificateStatus.DOWNLOADABLE, grade=0.92, created=datetime(2026, 3, 15, 10, 20, 30)
    )
    make_certificate(failing, course, CertificateStatus.NOTPASSING, grade=0.41, created=datetime(2026, 5, 1))
    make_certificate(generating, course, CertificateStatus.GENERATING, grade=0.8, created=datetime(2026, 5, 1))
    grade(passing, course.key, 0.1, False)  # ignored: the certificate decides
    db.session.commit()

    rows = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))

    assert rows["passer"] == {
        "customer": "acme",
        "username": "passer",
        "email": "passer@example.com",
        "course_id": course.key,
        "mode": "verified",
        "pacing": "instructor",
        "completed": "true",
        "completed_date": "2026-03-15T10:20:30Z",
        "completed_timestamp": "1773570030000",
        "grade": "Pass",
        "grade_percent": "0.92",
        "source": "certificate",
    }
    assert rows["failer"]["grade"] == "Fail"
    assert rows["failer"]["completed"] == "false"
    assert rows["failer"]["completed_date"] == "2026-05-01T00:00:00Z"
    assert rows["failer"]["completed_timestamp"] == "1777593600000"
    assert rows["failer"]["grade_percent"] == "0.41"
    assert (rows["generating"]["grade"], rows["generating"]["completed"]) == ("Pass", "true")


def test_instructor_paced_without_certificate_is_in_progress(runner):
    customer = make_customer()
    course = make_course("course-v1:Org+IP+2026", pacing="instructor", end=ENDED)  # ended: still the certificate
    _learner(customer, course, "nocert")
    db.session.commit()

    row = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))["nocert"]

    assert (row["completed"], row["completed_date"], row["completed_timestamp"]) == ("false", "", "")
    assert (row["grade"], row["grade_percent"], row["source"]) == ("In Progress", "", "certificate")


def test_self_paced_ended_course_takes_the_end_date_and_pass_or_fail(runner):
    customer = make_customer()
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED)
    grade(_learner(customer, course, "passed"), course.key, 0.85, True)
    grade(_learner(customer, course, "failed"), course.key, 0.3, False)
    db.session.commit()

    rows = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))

    assert rows["passed"]["grade"] == "Pass"
    assert rows["passed"]["completed"] == "true"
    assert rows["passed"]["completed_date"] == "2026-06-30T00:00:00Z"
    assert rows["passed"]["completed_timestamp"] == "1782777600000"
    assert (rows["passed"]["grade_percent"], rows["passed"]["source"]) == ("0.85", "grades")
    assert rows["failed"]["grade"] == "Fail"
    assert rows["failed"]["completed"] == "false"
    assert rows["failed"]["completed_date"] == "2026-06-30T00:00:00Z"  # a completed date exists, not passing


def test_self_paced_running_course_passed_is_completed_now_else_in_progress(runner):
    customer = make_customer()
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=RUNNING_END)
    open_ended = make_course("course-v1:Org+SP+Open", pacing="self", end=None)
    grade(_learner(customer, course, "passed"), course.key, 0.75, True)
    grade(_learner(customer, course, "working"), course.key, 0.2, False)
    grade(_learner(customer, open_ended, "noend"), open_ended.key, 0.9, True)
    db.session.commit()

    rows = by_user(export(runner, "--customer", "acme", "--as-of", "2026-08-15T12:00:00Z"))

    assert rows["passed"]["grade"] == "Pass"
    assert rows["passed"]["completed"] == "true"
    assert rows["passed"]["completed_date"] == "2026-08-15T12:00:00Z"  # "now" = the as-of time
    assert rows["passed"]["completed_timestamp"] == str(1782864000000 + (45 * 24 + 12) * 3600 * 1000)
    assert rows["noend"]["grade"] == "Pass"
    assert (rows["working"]["grade"], rows["working"]["completed"], rows["working"]["completed_date"]) == (
        "In Progress",
        "false",
        "",
    )
    assert rows["working"]["grade_percent"] == "0.2"


def test_the_same_export_at_another_as_of_moves_with_it(runner):
    customer = make_customer()
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=RUNNING_END)
    grade(_learner(customer, course, "failed"), course.key, 0.3, False)
    db.session.commit()

    assert by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))["failed"]["grade"] == "In Progress"
    assert by_user(export(runner, "--customer", "acme", "--as-of", "2027-01-01"))["failed"]["grade"] == "Fail"


def test_audit_enrollments_with_audit_reporting_use_grades_and_grade_audit(runner):
    customer = make_customer(audit=True)
    ended = make_course("course-v1:Org+IP+Ended", pacing="instructor", end=ENDED)
    running = make_course("course-v1:Org+IP+Running", pacing="instructor", end=RUNNING_END)
    auditor = _learner(customer, ended, "auditor", mode="audit")
    make_certificate(auditor, ended, CertificateStatus.DOWNLOADABLE)  # not used for an audit enrollment
    grade(auditor, ended.key, 0.9, True)
    grade(_learner(customer, ended, "honorable", mode="honor"), ended.key, 0.2, False)
    grade(_learner(customer, running, "runner_audit", mode="audit"), running.key, 0.7, True)
    grade(_learner(customer, running, "slow_audit", mode="audit"), running.key, 0.1, False)
    db.session.commit()

    rows = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))

    assert (rows["auditor"]["grade"], rows["auditor"]["source"], rows["auditor"]["completed"]) == (
        "Audit",
        "grades",
        "true",
    )
    assert rows["auditor"]["completed_date"] == "2026-06-30T00:00:00Z"
    assert (rows["honorable"]["grade"], rows["honorable"]["completed"]) == ("Audit", "false")
    assert (rows["runner_audit"]["grade"], rows["runner_audit"]["completed"]) == ("Pass", "true")
    assert rows["runner_audit"]["completed_date"] == "2026-07-01T00:00:00Z"
    assert rows["slow_audit"]["grade"] == "In Progress"


def test_audit_enrollments_without_audit_reporting_are_skipped(runner, client):
    customer = make_customer(audit=False)
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED)
    grade(_learner(customer, course, "auditor", mode="audit"), course.key, 0.9, True)
    grade(_learner(customer, course, "honorable", mode="honor"), course.key, 0.9, True)
    grade(_learner(customer, course, "verified"), course.key, 0.9, True)
    make_user("staff", is_staff=True)
    db.session.commit()

    assert set(by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))) == {"verified"}
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&view=skipped")
    skipped = {
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]: tr.get_text(" ", strip=True)
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 5
    }
    assert set(skipped) == {"auditor", "honorable"}
    assert "audit reporting off" in skipped["auditor"]


def test_missing_or_refused_consent_is_skipped(runner):
    customer = make_customer()
    other = make_customer("other")
    course = make_course("course-v1:Org+IP+2026", pacing="instructor")
    users = {}
    for name in ("absent", "refused", "elsewhere", "othercourse", "granted"):
        users[name] = make_user(name)
        make_learner(customer, users[name])
        enroll(users[name], course)
    consent(customer, users["refused"], course.key, granted=False)
    consent(other, users["elsewhere"], course.key)  # another customer's consent does not count
    consent(customer, users["othercourse"], "course-v1:Org+IP+Other")  # consent for another course
    consent(customer, users["granted"], course.key)
    db.session.commit()

    assert set(by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))) == {"granted"}


def test_inactive_learners_are_left_out_but_lms_inactive_enrollments_of_active_learners_count(runner, client):
    customer = make_customer()
    course = make_course("course-v1:Org+IP+2026", pacing="instructor")
    _learner(customer, course, "active")
    gone = make_user("gone")
    make_learner(customer, gone, active=False)
    enroll(gone, course)
    consent(customer, gone, course.key)
    dropped = make_user("dropped")  # an active enterprise learner whose LMS enrollment is inactive
    make_learner(customer, dropped)
    enroll(dropped, course, is_active=False)
    consent(customer, dropped, course.key)
    stranger = make_user("stranger")  # enrolled and consented, but not a learner of the customer
    enroll(stranger, course)
    consent(customer, stranger, course.key)
    make_user("staff", is_staff=True)
    db.session.commit()

    rows = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))
    assert set(rows) == {"active", "dropped"}
    assert (rows["dropped"]["grade"], rows["dropped"]["completed"]) == ("In Progress", "false")
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}")
    text = " ".join(soup.get_text(" ").split())
    assert "2 in the file" in text and "0 skipped" in text
    assert "Inactive learners 1 (their enrollments are not considered)" in text
    notes = {
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]: tr.find_all("td")[4].get_text(" ", strip=True)
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 9
    }
    assert notes == {"active": "In Progress", "dropped": "In Progress enrollment inactive in the LMS"}


def test_unknown_course_is_skipped_and_a_missing_grade_record_is_exported_with_no_grade_yet(runner, client):
    customer = make_customer(audit=True)
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED)
    _learner(customer, course, "nograde")
    _learner(customer, course, "graded")
    grade(db.session.scalar(select(User).where(User.username == "graded")), course.key, 0.9, True)
    ghost = make_user("ghost")
    make_learner(customer, ghost)
    consent(customer, ghost, "course-v1:Gone+X+2019")
    grade(ghost, "Gone/Y/2018", 0.9, True)
    make_user("staff", is_staff=True)
    db.session.commit()
    client.login("staff")

    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&view=skipped")

    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 5
    ]
    assert [(r[0], r[1].split()[0], r[3]) for r in rows] == [
        ("Gone/Y/2018", "ghost", "Course unknown"),
        ("course-v1:Gone+X+2019", "ghost", "Course unknown"),
    ]
    text = " ".join(soup.get_text(" ").split())
    assert "2 in the file" in text and "2 skipped" in text and "No grade record" not in text

    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}")
    cells = {
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]: [td.get_text(" ", strip=True) for td in tr("td")]
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 9
    }
    assert cells["nograde"][4:8] == ["no grade yet", "—", "no", "—"]  # a note, not a skip
    assert cells["graded"][4] == "Pass"
    counts = {
        tr.find_all("td")[0].get_text(" ", strip=True): tr.find_all("td")[1].get_text(strip=True)
        for tr in soup.select("table.compact tbody tr")
    }
    assert counts["No grade yet"] == "1" and counts["Pass"] == "1"

    record = by_user(export(runner, "--customer", "acme", "--as-of", AS_OF))["nograde"]
    assert (record["completed"], record["completed_date"], record["completed_timestamp"]) == ("false", "", "")
    assert (record["grade"], record["grade_percent"], record["source"]) == ("", "", "grades")


def test_rows_are_ordered_by_course_then_username(runner):
    customer = make_customer()
    courses = [
        make_course(key, pacing="instructor") for key in ("course-v1:Zeta+Z+1", "course-v1:Alpha+A+1", "Legacy/M/1")
    ]
    for name in ("carol", "alice", "Bob"):
        user = make_user(name)
        make_learner(customer, user)
        for course in courses:
            enroll(user, course)
            consent(customer, user, course.key)
    db.session.commit()

    rows = export(runner, "--customer", "acme", "--as-of", AS_OF)

    assert [(r["course_id"], r["username"]) for r in rows] == [
        (key, name) for key in sorted(c.key for c in courses) for name in ("alice", "Bob", "carol")
    ]
