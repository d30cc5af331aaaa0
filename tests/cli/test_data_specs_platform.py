"""Data specs as the platform writes them (domain §5): the OEP-37 example, `course_id`, YAML 1.1 booleans,
no clear-text password in any plan row, and `--only-missing` (what `make run` uses) keeping staff's changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.cli.test_data_load import load, write
from webapp.extensions import db
from webapp.models import Course, Enrollment, PlanRow, User
from webapp.models.proctoring import Review

OEP37 = Path(__file__).resolve().parents[1] / "fixtures" / "oep37" / "test_data.yaml"
COURSE = "course-v1:edX+DemoX+Demo_Course"
REVIEWED = "0A7C6E10-1B2C-4D3E-8F40-000000000003"


def test_the_oep37_example_loads_a_file_listed_twice_once(runner):
    result = runner.invoke(args=["data", "load", str(OEP37)])
    assert result.exit_code == 0, result.output
    assert "applied" in result.output
    assert "lms/users.yaml: already loaded (listed first at test_data.yaml entry 1)" in result.output
    modes = dict(
        db.session.execute(select(User.username, Enrollment.mode).join(Enrollment, Enrollment.user_id == User.id)).all()
    )
    assert modes == {"verified": "verified", "audit": "audit"}
    assert db.session.scalar(select(User).where(User.username == "verified")).check_password("edx")

    code, second = load(runner, OEP37)
    assert code == 0 and second["status"] == "applied"
    assert (second["counts"]["skip"], second["counts"]["unchanged"], second["counts"]["create"]) == (1, 5, 0)
    assert second["counts"]["update"] == 0  # the hashed password is the stored one: unchanged


def test_course_id_is_the_oep37_spelling_of_course_and_both_must_agree(runner, tmp_path):
    base = 'users:\n  - {username: ada, email: ada@example.com}\ncourses:\n  - {id: "course-v1:A+B+C", name: ABC}\n'
    code, result = load(
        runner,
        write(
            tmp_path,
            "bad.yaml",
            base + 'enrollments:\n  - {username: ada, course: "course-v1:A+B+C", course_id: "course-v1:X+Y+Z"}\n',
        ),
    )
    assert code == 0 and result["status"] == "previewed" and result["counts"]["error"] == 1
    message = result["rows"][0]["message"]
    assert "bad.yaml › enrollments entry 1" in message and "'course' " in message and "'course_id'" in message
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    same = base + 'enrollments:\n  - {username: ada, course: "course-v1:A+B+C", course_id: "course-v1:A+B+C"}\n'
    code, result = load(runner, write(tmp_path, "same.yaml", same))
    assert code == 0 and result["status"] == "applied" and result["counts"]["create"] == 3


def test_yaml_11_booleans_read_as_booleans_as_pyyaml_safe_load_reads_them(runner, tmp_path):
    spec = (
        "users:\n"
        "  - {username: ada, email: ada@example.com, is_staff: yes, is_active: On}\n"
        "  - {username: bob, email: bob@example.com, is_staff: NO, is_active: off}\n"
        "courses:\n"
        '  - {id: "course-v1:A+B+C", name: ABC, certificates_enabled: Off}\n'
        "enrollments:\n"
        '  - {username: ada, course_id: "course-v1:A+B+C", is_active: no}\n'
    )
    code, result = load(runner, write(tmp_path, "booleans.yaml", spec))
    assert code == 0 and result["status"] == "applied", result
    users = {u.username: (u.is_staff, u.is_active) for u in db.session.scalars(select(User))}
    assert users == {"ada": (True, True), "bob": (False, False)}
    assert db.session.scalar(select(Course.certificates_enabled)) is False
    assert db.session.scalar(select(Enrollment.is_active)) is False

    quoted = "users:\n  - {username: cy, email: cy@example.com, is_staff: 'yes'}\n"  # a quoted yes is text
    code, result = load(runner, write(tmp_path, "quoted.yaml", quoted))
    assert result["counts"]["error"] == 1 and "must be true or false, not 'yes'" in result["rows"][0]["message"]


SECRET = "Clear-Text-s3cret"


def _everything_stored() -> str:
    c = PlanRow.__table__.c  # key and before are reserved words on MySQL: the dialect quotes them
    rows = db.session.execute(select(c.cells, c.data, c.key, c.label, c.message, c.before, c.after)).all()
    return json.dumps([[str(c) for c in row] for row in rows])


@pytest.mark.parametrize("dry_run", [True, False])
def test_no_clear_text_password_in_plan_rows_preview_json_or_error_report(runner, client, tmp_path, dry_run):
    spec = write(
        tmp_path,
        "people.yaml",
        f"users:\n  - {{username: staff, email: staff@example.com, is_staff: true, password: {SECRET}}}\n"
        f"  - {{username: bad, email: nope, password: {SECRET}x}}\n"
        f"  - {{username: odd, email: odd@example.com, password: [{SECRET}y]}}\n",
    )
    result = runner.invoke(args=["data", "load", str(spec), "--json", *(["--dry-run"] if dry_run else [])])
    assert result.exit_code == 0 and SECRET not in result.output
    plan = json.loads(result.output)
    assert plan["counts"]["error"] == 2
    assert any("must be text, not list" in row["message"] for row in plan["rows"])
    assert db.session.scalar(select(func.count()).select_from(PlanRow)) == 3
    assert SECRET not in _everything_stored()

    # the good entry alone applies; staff log in with the password and read the plan's pages
    good = write(tmp_path, "good.yaml", spec.read_text().split("  - {username: bad")[0])
    assert load(runner, good)[1]["status"] == "applied"
    assert db.session.scalar(select(User).where(User.username == "staff")).check_password(SECRET)
    assert SECRET not in _everything_stored()
    client.login("staff", SECRET)
    page = client.get(f"/plans/{plan['plan_id']}")
    assert page.status_code == 200 and SECRET not in page.get_data(as_text=True)
    report = client.get(f"/plans/{plan['plan_id']}/errors.csv")
    assert report.status_code == 200 and SECRET not in report.get_data(as_text=True)


def test_changing_the_password_of_an_existing_user_is_an_update_without_the_password(runner, tmp_path):
    load(runner, write(tmp_path, "a.yaml", "users:\n  - {username: ada, email: ada@example.com, password: one}\n"))
    code, result = load(
        runner,
        write(tmp_path, "b.yaml", "users:\n  - {username: ada, email: ada@example.com, password: Second-Pa55}\n"),
    )
    assert code == 0 and result["counts"]["update"] == 1
    assert "Second-Pa55" not in _everything_stored() and "(new password)" in _everything_stored()
    assert db.session.scalar(select(User)).check_password("Second-Pa55")


def test_only_missing_creates_what_is_missing_and_keeps_staffs_changes(runner, tmp_path):
    demo = Path("webapp/demo/spec.yaml")
    result = runner.invoke(args=["data", "load", "--only-missing", str(demo)])
    assert result.exit_code == 0 and "applied" in result.output
    course = db.session.scalar(select(Course).where(Course.key == COURSE))
    course.name = "Renamed by staff"
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    staff.full_name = "Changed by staff"
    review = db.session.scalar(select(Review).where(Review.attempt_code == REVIEWED))
    review.review_status = "Suspicious"  # staff's decision on a review the demo seeds as Clean
    db.session.delete(db.session.scalar(select(Course).where(Course.key == "edX/Open_DemoX/edx_demo_course")))
    db.session.commit()

    code, again = load(runner, demo, "--only-missing")

    assert code == 0 and again["status"] == "applied"
    assert again["counts"]["update"] == 0 and again["counts"]["skip"] == 3
    assert again["counts"]["create"] >= 1  # the deleted course is created again
    assert any("exists; left as it is" in row["message"] for row in again["rows"])
    db.session.expire_all()
    assert db.session.scalar(select(Course.name).where(Course.key == COURSE)) == "Renamed by staff"
    assert db.session.scalar(select(User.full_name).where(User.username == "staff")) == "Changed by staff"
    assert db.session.scalar(select(Review.review_status).where(Review.attempt_code == REVIEWED)) == "Suspicious"
    assert db.session.scalar(select(Course.name).where(Course.key == "edX/Open_DemoX/edx_demo_course"))
