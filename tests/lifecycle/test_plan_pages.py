"""What the plan pages show, checked exactly: the stale plan's diff and link, row order and filters, the
result, the refusals staff read, the error report of failed rows, the history pages and the audit."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from tests.builders import allow
from tests.certificates.helpers import COURSE_A, plan, plan_id_of, upload, world_with_learners
from tests.refusing_database import database_refuses
from webapp.extensions import db
from webapp.models import AuditEvent, Plan
from webapp.statuses import PlanStatus
from webapp.timeutil import utcnow


def _texts(nodes) -> list[str]:
    return [n.get_text(" ", strip=True) for n in nodes]


def _row_numbers(soup) -> list[int]:
    return [int(tr.select_one("td.num").get_text()) for tr in soup.select("table.plan-rows tbody tr")]


def _flash(response) -> str:
    return " ".join(_texts(_soup(response).select(".flash, .flashes li, [role=alert]")))


def _soup(response):
    from bs4 import BeautifulSoup

    return BeautifulSoup(response.data, "html.parser")


def test_stale_plan_links_to_its_fresh_preview_and_lists_what_changed(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nbob,b\ncat,c\n"))
    allow(w["bob"], w["course_a"], notes="b")  # bob: create -> unchanged
    allow(w["cat"], w["course_a"], notes="old")  # cat: create -> update
    db.session.commit()
    fresh_id = plan_id_of(client.post(f"/plans/{plan_id}/apply"))
    stale = plan(plan_id)
    assert stale.superseded_by_id == fresh_id
    assert stale.message == (
        "2 rows changed since the preview (what they do, the values they change or their side effects); "
        f"nothing was written. Review plan #{fresh_id}."
    )
    soup = client.soup(f"/plans/{plan_id}")
    link = soup.find("a", string=f"Review the fresh preview #{fresh_id}")
    assert link is not None and link["href"] == f"/plans/{fresh_id}"
    table = soup.select_one("table.stale-changes")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
    assert [r[:2] for r in rows] == [["2", "bob <bob@example.org>"], ["3", "cat <cat@example.org>"]]
    assert [r[2] for r in rows] == ["Create", "Create"]
    assert rows[0][3].startswith("Unchanged") and rows[1][3].startswith("Update")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.stale"))
    assert event.summary == (
        f"Certificate exceptions plan #{plan_id} was stale (2 rows changed); fresh preview #{fresh_id}"
    )
    assert event.detail == {"kind": "certificate_exceptions", "changed": 2, "fresh_plan": fresh_id}


def test_rows_in_file_order_or_errors_first_and_one_action_per_tab(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nnobody\nbob\nzed@example.org\n\ncat\n"))
    assert _row_numbers(client.soup(f"/plans/{plan_id}")) == [1, 2, 3, 4, 5, 6]
    assert _row_numbers(client.soup(f"/plans/{plan_id}?errors_first=1")) == [2, 4, 1, 3, 5, 6]
    assert _row_numbers(client.soup(f"/plans/{plan_id}?action=create")) == [1, 3, 6]
    assert _row_numbers(client.soup(f"/plans/{plan_id}?action=error")) == [2, 4]
    assert _row_numbers(client.soup(f"/plans/{plan_id}?action=skip")) == [5]
    tabs = _texts(client.soup(f"/plans/{plan_id}?action=error").select("[aria-label='Rows by action'] a"))
    assert tabs == ["All 6", "Errors 2", "Create 3", "Skip 1"]


def test_errors_first_pages_cross_from_the_errors_to_the_other_rows(client):
    """Errors first, two rows a page: the errors in row order, then the other rows in row order, the page that
    holds the last error continuing with the first other row; a page past the end shows the last page."""
    from webapp.services.plans.reading import rows_page

    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nnobody\nbob\nzed@example.org\n\ncat\nghost\n"))
    pages = [rows_page(plan(plan_id), errors_first=True, page=n, per_page=2) for n in (1, 2, 3, 4, 9)]
    assert [[r.row_number for r in p.items] for p in pages] == [[2, 4], [7, 1], [3, 5], [6], [6]]
    assert [(p.page, p.total) for p in pages] == [(1, 7), (2, 7), (3, 7), (4, 7), (4, 7)]


def test_errors_first_puts_the_rows_that_failed_to_apply_with_the_errors(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nnobody,x\n\nbob,b\n"))
    with database_refuses("allowlist_entries", "INSERT"):
        client.post(f"/plans/{plan_id}/apply")
    assert plan(plan_id).outcome_counts == {"applied": 0, "failed": 2}
    assert _row_numbers(client.soup(f"/plans/{plan_id}?errors_first=1")) == [1, 2, 4, 3]
    from webapp.services.plans.reading import rows_page

    pages = [rows_page(plan(plan_id), errors_first=True, page=n, per_page=1) for n in (1, 2, 3, 4)]
    assert [[r.row_number for r in p.items] for p in pages] == [[1], [2], [4], [3]]


def test_result_page_audit_and_plan_record_who_applied_what(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nbob,b\nnobody\n"))
    client.post(f"/plans/{plan_id}/apply")
    applied = plan(plan_id)
    assert applied.status == PlanStatus.APPLIED
    assert applied.applied_by_id == w["staff"].id and applied.lease_expires is None
    assert applied.outcome_counts == {"applied": 2, "failed": 0}
    summary = client.soup(f"/plans/{plan_id}").select_one("#applied-summary").get_text(" ", strip=True)
    assert summary.startswith("Applied: 2 changes written, 0 failed. By staff on ")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.apply"))
    assert event.summary == f"Applied Certificate exceptions plan #{plan_id}: 2 written, 0 failed"
    assert event.actor_name == "staff" and event.plan_id == plan_id and event.course_key == COURSE_A
    assert event.detail == {
        "kind": "certificate_exceptions",
        "counts": applied.counts,
        "applied": 2,
        "failed": 0,
        "source": "roster.csv",
    }


def test_rows_that_fail_to_apply_are_in_the_error_report_as_apply_failed(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nnobody,x\nbob,b\n"))
    with database_refuses("allowlist_entries", "INSERT"):
        client.post(f"/plans/{plan_id}/apply")
    assert plan(plan_id).outcome_counts == {"applied": 0, "failed": 2}
    report = client.get(f"/plans/{plan_id}/errors.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(report)))
    # a trigger's refusal is no uniqueness rule, on any database (SQLite's RAISE(ABORT) is an IntegrityError,
    # MariaDB's SIGNAL an OperationalError, PostgreSQL's RAISE EXCEPTION neither)
    refused = "the database refused this row"
    assert rows == [
        ["username_or_email", "notes", "row", "code", "message"],
        ["ann", "a", "1", "apply_failed", refused],
        ["nobody", "x", "2", "unknown_learner", "nobody does not exist; check the spelling"],
        ["bob", "b", "3", "apply_failed", refused],
    ]
    summary = client.soup(f"/plans/{plan_id}").select_one("#applied-summary").get_text(" ", strip=True)
    assert summary.startswith("Applied: 0 changes written, 2 failed.")
    assert _row_numbers(client.soup(f"/plans/{plan_id}?action=failed")) == [1, 3]


def _refusal_after_apply(client, plan_id: int) -> str:
    response = client.post(f"/plans/{plan_id}/apply", follow_redirects=True)
    assert response.status_code == 200
    return response.data.decode()


def test_refusals_name_the_plan_and_what_to_do(client):
    world_with_learners()
    client.login("staff")
    ids = [plan_id_of(upload(client, b"ann\n")) for _ in range(3)]
    lease = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    db.session.get(Plan, ids[0]).status = PlanStatus.APPLYING
    db.session.get(Plan, ids[0]).lease_expires = lease
    db.session.get(Plan, ids[1]).status = PlanStatus.FAILED
    db.session.get(Plan, ids[2]).expires = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        f"Plan #{ids[0]} is being applied right now. If its worker stopped, it can be applied again after "
        f"{lease:%Y-%m-%d %H:%M:%S} UTC (when its claim expires)."
    ) in _refusal_after_apply(client, ids[0])
    assert f"Plan #{ids[1]} failed and cannot be applied again. Plan it anew." in _refusal_after_apply(client, ids[1])
    assert f"Plan #{ids[2]} expired before it was applied. Upload the file again." in _refusal_after_apply(
        client, ids[2]
    )
    assert plan(ids[2]).status == PlanStatus.EXPIRED  # the refusal stored the expiry


def test_history_pages_list_plans_newest_first_with_their_counts(client):
    world_with_learners()
    client.login("staff")
    first = plan_id_of(upload(client, b"ann\nnobody\n", name="first.csv"))
    second = plan_id_of(upload(client, b"bob\n", name="second.csv"))
    client.post(f"/plans/{second}/apply")
    every = client.soup("/plans")
    assert _texts(every.select("h1")) == ["All plans"]
    for picture in every.select(".mini-bar"):  # the counts' bar: its numbers are the badges beside it
        picture.decompose()
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in every.select("tbody tr")]
    for row in rows:
        row[2] = row[2].replace(" ", "")  # a course key may break after + and : (<wbr>), it reads as one word
    when = [r.pop(5) for r in rows]
    assert all(len(w) == len("2026-01-01 00:00") for w in when)
    assert rows == [
        [f"#{second}", "Certificate exceptions", COURSE_A, "second.csv", "staff", "Applied", "Create 1"],
        [f"#{first}", "Certificate exceptions", COURSE_A, "first.csv", "staff", "Previewed", "Error 1 Create 1"],
    ]
    course = client.soup(f"/courses/{COURSE_A}/plans")
    course_rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in course.select("tbody tr")]
    assert [r[0] for r in course_rows] == [f"#{second}", f"#{first}"]
    assert [len(r) for r in course_rows] == [7, 7]  # no course column on a course's own history


def test_a_plan_with_one_changed_row_goes_stale_through_the_cli_naming_who_and_where(client, runner):
    w = world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,a\nbob,b\n"))
    allow(w["bob"], w["course_a"], notes="b")  # bob: create -> unchanged
    db.session.commit()
    result = runner.invoke(args=["plans", "apply", str(plan_id), "--as", "instructor"])
    assert result.exit_code == 0, result.output
    stale = plan(plan_id)
    fresh = plan(stale.superseded_by_id)
    message = (
        "1 row changed since the preview (what they do, the values they change or their side effects); "
        f"nothing was written. Review plan #{fresh.id}."
    )
    assert result.output.splitlines()[:2] == [
        f"Plan #{plan_id} (certificate_exceptions) stale: create 2",
        f"  {message}",
    ]
    assert (stale.status, stale.message, stale.lease_expires) == (PlanStatus.STALE, message, None)
    assert (fresh.status, fresh.created_by_id, fresh.reverts_id) == (PlanStatus.PREVIEWED, w["instructor"].id, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.stale"))
    assert (event.plan_id, event.actor_id, event.course_key) == (plan_id, w["instructor"].id, COURSE_A)


def test_the_error_report_keeps_a_wider_rows_extra_cells_in_its_last_column(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"nobody,,late note\nann\n"))
    plan_id_of(upload(client, b"zed\n"))  # another plan's error row stays out of this report
    report = client.get(f"/plans/{plan_id}/errors.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(report.lstrip("\ufeff")))) == [
        ["username_or_email", "notes", "row", "code", "message"],
        ["nobody", ",late note", "1", "unknown_learner", "nobody does not exist; check the spelling"],
    ]
