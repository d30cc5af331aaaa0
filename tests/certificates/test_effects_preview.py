"""Issue 12 #2 and #3: the preview tells the whole truth (side effects in words, per row, filterable, on the
apply button, destructive styling) and the apply's stale check compares before values and side effects."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from tests.builders import allow, make_certificate, make_user
from tests.certificates.helpers import COURSE_A, allowlist, plan, plan_id_of, rows_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate


def _removal_world():
    """ann and bob hold certificates and exceptions; cat has an exception only."""
    w = world_with_learners()
    for name, grade in (("ann", 0.91), ("bob", 0.75)):
        allow(w[name], w["course_a"], notes=name)
        make_certificate(w[name], w["course_a"], "downloadable", grade=grade)
    allow(w["cat"], w["course_a"], notes="cat")
    db.session.commit()
    return w


def _apply_section(soup):
    return soup.select_one("section.callout")


def test_removal_preview_states_side_effects_in_words_per_row_and_on_the_button(client):
    _removal_world()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nbob\ncat\n", removal=True))
    soup = client.soup(f"/plans/{plan_id}")
    section = _apply_section(soup)
    text = section.get_text(" ", strip=True)
    assert "will also make 2 certificates unavailable" in text
    button = section.select_one("button[type=submit]")
    assert button.get_text(strip=True) == "Apply: remove 3 exceptions and make 2 certificates unavailable"
    assert "button-danger" in button["class"] and "button-primary" not in button["class"]
    assert "callout-danger" in section["class"] and section.select_one(".warning-line") is not None
    rows = {tr.select("td")[0].get_text(strip=True): tr for tr in soup.select("table.plan-rows tbody tr")}
    ann_effects = rows["1"].select_one("ul.effects").get_text(" ", strip=True)
    assert "Certificate made unavailable" in ann_effects
    assert "certificate Received (grade 0.91) becomes unavailable; grade cleared" in ann_effects
    assert rows["3"].select_one("ul.effects") is None  # cat has no certificate: no side effect
    assert "becomes unavailable" not in rows["1"].select("td")[4].find(string=True)  # not repeated in the message


def test_rows_filter_by_side_effect_next_to_the_action_tabs(client):
    _removal_world()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nbob\ncat\n", removal=True))
    soup = client.soup(f"/plans/{plan_id}")
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select(".effect-filter a")}
    assert "Certificate made unavailable 2" in links
    filtered = client.soup(links["Certificate made unavailable 2"])
    shown = [tr.select("td")[2].get_text(strip=True) for tr in filtered.select("table.plan-rows tbody tr")]
    assert [s.split()[0] for s in shown] == ["ann", "bob"]
    combined = client.soup(f"/plans/{plan_id}?action=delete&effect=certificate_unavailable&page=1")
    assert len(combined.select("table.plan-rows tbody tr")) == 2
    none = client.soup(f"/plans/{plan_id}?effect=academy_deactivated")
    assert not none.select("table.plan-rows tbody tr")
    assert len(client.soup(f"/plans/{plan_id}?effect=nonsense").select("table.plan-rows tbody tr")) == 3


def test_a_plan_that_only_adds_is_not_styled_as_destructive(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,x\n"))
    section = _apply_section(client.soup(f"/plans/{plan_id}"))
    button = section.select_one("button[type=submit]")
    assert button.get_text(strip=True) == "Apply: create 1 exception"
    assert "button-primary" in button["class"] and "callout-danger" not in section["class"]
    assert section.select_one(".warning-line") is None


def test_result_page_says_the_side_effects_in_the_past_tense(client):
    _removal_world()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nbob\n", removal=True))
    client.post(f"/plans/{plan_id}/apply")
    text = _apply_section(client.soup(f"/plans/{plan_id}")).get_text(" ", strip=True)
    assert "Applied: 2 changes written, 0 failed." in text and "with them, it made 2 certificates unavailable" in text


def test_cli_json_counts_side_effects(runner, tmp_path):
    _removal_world()
    path = tmp_path / "roster.csv"
    path.write_bytes(b"ann\ncat\n")
    args = ["certificates", "remove-exceptions", str(path), "--course", COURSE_A, "--as", "staff", "--dry-run"]
    data = json.loads(runner.invoke(args=[*args, "--json"]).output)
    assert data["effects"] == {"certificate_unavailable": 1}
    assert data["counts"]["delete"] == 2  # the existing keys stay


def test_notes_changed_by_a_colleague_between_preview_and_apply_make_the_plan_stale(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="A")
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,B\n"))
    assert rows_of(plan_id)[1].changes == [("notes", "A", "B")]
    entry = db.session.scalar(select(AllowlistEntry).where(AllowlistEntry.user_id == w["ann"].id))
    entry.notes = "C"  # a colleague edits the note meanwhile
    db.session.commit()
    fresh_id = plan_id_of(client.post(f"/plans/{plan_id}/apply"))
    assert fresh_id != plan_id and plan(plan_id).status == "stale"
    assert allowlist(w["course_a"]) == {"ann": "C"}  # nothing written: C is not lost
    assert rows_of(fresh_id)[1].changes == [("notes", "C", "B")]
    fresh_page = client.soup(f"/plans/{fresh_id}")
    diff = fresh_page.select_one("table.plan-rows .diff").get_text(" ", strip=True)
    assert diff == "notes C → B"
    stale = client.soup(f"/plans/{plan_id}").select_one("table.stale-changes")
    (row,) = stale.select("tbody tr")
    assert row.select_one(".stale-old").get_text(" ", strip=True).endswith("notes before A")
    assert row.select_one(".stale-new").get_text(" ", strip=True).endswith("notes before C")
    client.post(f"/plans/{fresh_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "B"}


def test_removal_whose_certificate_became_downloadable_meanwhile_is_stale(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="n")
    cert = make_certificate(w["ann"], w["course_a"], "notpassing", grade=0.4)
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\n", removal=True))
    assert "Not Received (grade 0.4)" in rows_of(plan_id)[1].effects[0]["message"]
    certificate = db.session.get(Certificate, cert.id)
    certificate.status, certificate.grade = "downloadable", 0.95  # regraded and issued meanwhile
    db.session.commit()
    fresh_id = plan_id_of(client.post(f"/plans/{plan_id}/apply"))
    assert fresh_id != plan_id and plan(plan_id).status == "stale"
    assert allowlist(w["course_a"]) == {"ann": "n"}
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "downloadable"  # not made unavailable unseen
    stale = client.soup(f"/plans/{plan_id}").select_one("table.stale-changes").get_text(" ", strip=True)
    assert "Not Received (grade 0.4)" in stale and "Received (grade 0.95) becomes unavailable" in stale
    fresh = client.soup(f"/plans/{fresh_id}")
    assert "Received (grade 0.95) becomes unavailable" in fresh.select_one("ul.effects").get_text(" ", strip=True)


def test_error_count_on_the_page_is_the_error_report_row_count_duplicates_listed_apart(client):
    w = world_with_learners()
    make_user("zed")  # exists, not enrolled
    db.session.commit()
    client.login("staff")
    roster = b"ann,first\nann@example.org,second\nghost,\nzed,\nbob,\n"
    plan_id = plan_id_of(upload(client, roster))
    soup = client.soup(f"/plans/{plan_id}")
    text = _apply_section(soup).get_text(" ", strip=True)
    assert "The 2 rows with errors are left out" in text
    assert "1 skipped row, such as a duplicate superseded by a later row, is listed in a separate download" in text
    errors_link = soup.select_one("#error-report")
    assert errors_link.get_text(" ", strip=True) == "Download error report (CSV, 2 rows)"
    report = list(csv.reader(io.StringIO(client.get(errors_link["href"]).data.decode("utf-8-sig"))))
    assert [(r[2], r[3]) for r in report[1:]] == [("3", "unknown_learner"), ("4", "not_enrolled")]
    skipped_link = soup.select_one("#skipped-report")
    assert skipped_link.get_text(" ", strip=True) == "Download skipped rows (CSV, 1 row)"
    skipped = list(csv.reader(io.StringIO(client.get(skipped_link["href"]).data.decode("utf-8-sig"))))
    assert skipped[0] == ["username_or_email", "notes", "row", "code", "message"]
    assert [(r[0], r[2], r[3]) for r in skipped[1:]] == [("ann", "1", "duplicate_row")]
    assert allowlist(w["course_a"]) == {}
