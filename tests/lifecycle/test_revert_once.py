"""An applied plan is reverted at most once (issue 12 point 1, design §1 step 5), through the pages and the CLI."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.certificates.helpers import allowlist, plan_id_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import Plan
from webapp.statuses import PlanStatus
from webapp.timeutil import iso


def _applied_import(client) -> tuple[dict, int]:
    w = world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,late\nbob,late\ncat,late\n"))
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}
    return w, plan_id


def _buttons(soup) -> list[str]:
    return [b.get_text(" ", strip=True) for b in soup.select("button")]


def test_reverted_plan_links_its_revert_and_refuses_a_second_one(client):
    w, plan_id = _applied_import(client)
    revert_id = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    client.post(f"/plans/{revert_id}/apply")
    assert allowlist(w["course_a"]) == {}

    page = client.soup(f"/plans/{plan_id}")
    assert f"Reverted by plan #{revert_id}" in page.get_text(" ", strip=True)
    assert page.find("a", href=f"/plans/{revert_id}", string=f"plan #{revert_id}") is not None
    assert "Plan a revert" not in _buttons(page)

    again = client.post(f"/plans/{plan_id}/revert")
    assert again.status_code == 409
    assert f"already reverted by plan #{revert_id}" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Plan).where(Plan.reverts_id == plan_id)) == 1
    assert "Plan a revert" not in _buttons(client.soup(f"/plans/{revert_id}"))  # a revert has no inverse


def test_a_previewed_revert_does_not_block_another_but_only_one_is_applied(client):
    w, plan_id = _applied_import(client)
    first = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    page = client.soup(f"/plans/{plan_id}")
    assert f"A revert is being previewed: plan #{first}" in page.get_text(" ", strip=True)
    assert "Plan a revert" in _buttons(page)
    second = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    assert second != first

    client.post(f"/plans/{first}/apply")
    response = client.post(f"/plans/{second}/apply", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert f"already reverted by plan #{first}" in text
    db.session.expire_all()
    assert db.session.get(Plan, second).status != PlanStatus.APPLIED
    assert allowlist(w["course_a"]) == {}
    assert f"Reverted by plan #{first}" in client.soup(f"/plans/{plan_id}").get_text(" ", strip=True)


def test_cli_revert_dry_run_then_revert_then_refuse_a_second(runner, client):
    w, plan_id = _applied_import(client)
    dry = runner.invoke(args=["plans", "revert", str(plan_id), "--as", "instructor", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    preview = json.loads(dry.output)
    assert preview["status"] == "previewed" and preview["counts"]["delete"] == 3
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}

    done = runner.invoke(args=["plans", "revert", str(plan_id), "--as", "instructor"])
    assert done.exit_code == 0, done.output
    assert "applied" in done.output and "written 3, failed 0" in done.output
    assert allowlist(w["course_a"]) == {}
    revert_id = db.session.scalar(select(Plan.id).where(Plan.reverts_id == plan_id, Plan.status == "applied"))

    again = runner.invoke(args=["plans", "revert", str(plan_id), "--as", "instructor", "--json"])
    assert again.exit_code == 1
    assert again.output == (
        f"Error: Plan #{plan_id} was already reverted by plan #{revert_id}; a plan is reverted at most once.\n"
    )
    no_inverse = runner.invoke(args=["plans", "revert", str(revert_id), "--as", "instructor"])
    assert no_inverse.exit_code == 1 and "cannot be reverted" in no_inverse.output


REFUSALS = {
    "course_staff": (
        "Error: Only global staff and the course's instructors may change certificates. Your role in "
        "course-v1:edX+A+2026 lets you see them only.\n"
    ),
    "learner": "Error: There is no plan #{plan}.\n",
}


def test_only_those_who_may_change_the_course_may_revert_its_plan(client, runner):
    """Reverting is a change (domain §0): the course `staff` role sees the plan and gets 403, a learner with no
    role on the course does not see it (404); both exit 1 at the CLI, and no plan is made. The instructor's
    revert is then planned as usual."""
    w, plan_id = _applied_import(client)
    plans_before = db.session.scalar(select(func.count()).select_from(Plan))
    for who, status in (("course_staff", 403), ("learner", 404)):
        client.login(who)
        assert client.post(f"/plans/{plan_id}/revert").status_code == status, who
        refused = runner.invoke(args=["plans", "revert", str(plan_id), "--as", who, "--dry-run"])
        assert (refused.exit_code, refused.output) == (1, REFUSALS[who].format(plan=plan_id)), who
    assert db.session.scalar(select(func.count()).select_from(Plan)) == plans_before
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}
    client.login("instructor")
    assert client.post(f"/plans/{plan_id}/revert").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Plan)) == plans_before + 1


def test_revert_refusals_say_exactly_why(client, runner):
    """The three refusals of a revert, word for word (CLI): a plan not applied, a plan with no inverse (a
    revert), and an applied plan that wrote nothing."""
    w, plan_id = _applied_import(client)
    previewed = plan_id_of(upload(client, b"dan,late\n"))
    unchanged = plan_id_of(upload(client, b"ann,late\n"))  # already on the allowlist with these notes
    client.post(f"/plans/{unchanged}/apply")
    done = runner.invoke(args=["plans", "revert", str(plan_id), "--as", "instructor"])
    assert done.exit_code == 0, done.output
    revert = db.session.scalar(select(Plan).where(Plan.reverts_id == plan_id))
    revert_id, original = revert.id, db.session.get(Plan, plan_id)
    # the revert is the instructor's, named after the plan it reverts, and knows when that plan was applied
    assert (revert.created_by.username, revert.source_name) == ("instructor", f"revert of plan #{plan_id}")
    assert revert.params == {"since": iso(original.applied)}

    def refusal(target: int) -> tuple[int, str]:
        result = runner.invoke(args=["plans", "revert", str(target), "--as", "instructor", "--dry-run"])
        return result.exit_code, result.output

    assert refusal(previewed) == (1, f"Error: Only an applied plan can be reverted; plan #{previewed} is previewed.\n")
    assert refusal(revert_id) == (1, "Error: A Revert of certificate exceptions plan cannot be reverted.\n")
    assert refusal(unchanged) == (1, f"Error: Plan #{unchanged} wrote nothing, so there is nothing to revert.\n")
    assert allowlist(w["course_a"]) == {}
