"""`flask data load`: create, update, unchanged, idempotent, atomic, unknown keys, top-level lists."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Course, Enrollment, User

SPEC = """
users:
  - {username: verified, email: verified@example.com, full_name: "Zoë Ångström"}
  - {username: audit, email: audit@example.com}
courses:
  - {id: "course-v1:edX+DemoX+Demo_Course", name: Demonstration Course, pacing: self}
  - {id: "edX/Old/2014", name: Old Course, start: 2014-01-01, end: "2014-06-30T00:00:00Z"}
course_staff:
  - {username: audit, course: "edX/Old/2014", role: instructor}
enrollments:
  - {username: verified, course: "course-v1:edX+DemoX+Demo_Course", mode: verified}
  - {username: AUDIT, course: "edX/Old/2014"}
"""


def load(runner, path: Path, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(args=["data", "load", str(path), "--json", *extra])
    return result.exit_code, (json.loads(result.output) if result.output.startswith("{") else {"raw": result.output})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_first_load_creates_second_load_is_all_unchanged(runner, tmp_path):
    spec = write(tmp_path, "spec.yaml", SPEC)
    code, first = load(runner, spec)
    assert code == 0 and first["status"] == "applied"
    assert first["counts"]["create"] == 7 and first["counts"]["error"] == 0
    assert db.session.scalar(select(User).where(User.username == "verified")).full_name == "Zoë Ångström"
    enrollment = db.session.scalar(select(Enrollment).join(User).where(User.username == "audit"))
    assert enrollment.mode == "audit" and enrollment.is_active  # defaults applied

    code, second = load(runner, spec)
    assert code == 0
    assert second["counts"] == {
        "create": 0,
        "update": 0,
        "delete": 0,
        "deactivate": 0,
        "unchanged": 7,
        "skip": 0,
        "error": 0,
    }


def test_changed_fields_are_updates(runner, tmp_path):
    load(runner, write(tmp_path, "spec.yaml", SPEC))
    changed = SPEC.replace("mode: verified", "mode: professional").replace("Old Course", "Old Course (archived)")
    code, result = load(runner, write(tmp_path, "spec2.yaml", changed))
    assert code == 0 and result["counts"]["update"] == 2 and result["counts"]["unchanged"] == 5
    assert db.session.scalar(select(Course.name).where(Course.key == "edX/Old/2014")) == "Old Course (archived)"


def test_dry_run_writes_nothing(runner, tmp_path):
    code, result = load(runner, write(tmp_path, "spec.yaml", SPEC), "--dry-run")
    assert code == 0 and result["status"] == "previewed" and result["counts"]["create"] == 7
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_bad_entry_writes_nothing_and_every_error_names_file_and_entry(runner, tmp_path):
    bad = (
        SPEC
        + """  - {username: ghost, course: "edX/Old/2014"}
  - {username: verified, course: "not a key", mode: verified}
"""
    )
    bad = bad.replace("{username: audit, email: audit@example.com}", "{username: audit, email: nope, colour: red}")
    code, result = load(runner, write(tmp_path, "bad.yaml", bad))
    assert code == 0 and result["status"] == "previewed"
    messages = {row["row"]: row["message"] for row in result["rows"]}
    assert any(
        "bad.yaml › users entry 2" in m and "must be an email" in m and "unknown field 'colour'" in m
        for m in messages.values()
    )
    assert any("enrollments entry 3" in m and "username ghost does not exist" in m for m in messages.values())
    assert any("enrollments entry 4" in m and "course key" in m for m in messages.values())
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_unknown_key_is_an_error_naming_the_supported_ones(runner, tmp_path):
    code, result = load(runner, write(tmp_path, "spec.yaml", SPEC + "widgets:\n  - {name: x}\n"))
    assert code == 0 and result["counts"]["error"] == 1
    message = result["rows"][0]["message"]
    assert "unknown key 'widgets'" in message and "users, courses, course_staff, enrollments" in message
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_top_level_list_loads_files_in_order_with_relative_paths(runner, tmp_path):
    write(tmp_path, "specs/people.yaml", "users:\n  - {username: ada, email: ada@example.com}\n")
    write(
        tmp_path,
        "specs/courses.yaml",
        'courses:\n  - {id: "course-v1:A+B+C", name: ABC}\n'
        'enrollments:\n  - {username: ada, course: "course-v1:A+B+C"}\n',
    )
    top = write(
        tmp_path, "specs/all.yaml", "- {data_spec_path: people.yaml, ida_name: lms}\n- data_spec_path: courses.yaml\n"
    )
    code, result = load(runner, top)
    assert code == 0 and result["status"] == "applied" and result["counts"]["create"] == 3


def test_reference_to_a_later_file_is_an_error(runner, tmp_path):
    write(tmp_path, "a.yaml", 'enrollments:\n  - {username: ada, course: "course-v1:A+B+C"}\n')
    write(
        tmp_path,
        "b.yaml",
        'users:\n  - {username: ada, email: ada@example.com}\ncourses:\n  - {id: "course-v1:A+B+C", name: ABC}\n',
    )
    code, result = load(runner, write(tmp_path, "top.yaml", "- {data_spec_path: a.yaml}\n- {data_spec_path: b.yaml}\n"))
    assert code == 0
    assert result["counts"]["error"] == 1 and "a.yaml › enrollments entry 1" in result["rows"][0]["message"]


def test_unreadable_spec_is_refused_with_exit_1(runner, tmp_path):
    broken = write(tmp_path, "broken.yaml", "users:\n  - {username: [oops\n")
    result = runner.invoke(args=["data", "load", str(broken)])
    assert result.exit_code == 1 and "broken.yaml: not valid YAML" in result.output and "line 2" in result.output
    missing = runner.invoke(args=["data", "load", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_duplicate_entries_in_one_spec_are_errors(runner, tmp_path):
    spec = "users:\n  - {username: ada, email: ada@example.com}\n  - {username: ADA, email: ada2@example.com}\n"
    code, result = load(runner, write(tmp_path, "dup.yaml", spec))
    assert code == 0
    assert result["counts"]["error"] == 1 and "duplicate of dup.yaml › users entry 1" in result["rows"][0]["message"]


def test_email_used_by_another_user_is_an_error(runner, tmp_path):
    load(runner, write(tmp_path, "a.yaml", "users:\n  - {username: ada, email: ada@example.com}\n"))
    code, result = load(runner, write(tmp_path, "b.yaml", "users:\n  - {username: bob, email: ADA@example.com}\n"))
    assert code == 0
    assert result["counts"]["error"] == 1 and "already used by user ada" in result["rows"][0]["message"]


def test_the_demo_spec_loads_and_is_idempotent(runner):
    code, first = load(runner, Path("webapp/demo/spec.yaml"))
    assert code == 0 and first["status"] == "applied" and first["counts"]["error"] == 0
    assert db.session.scalar(select(func.count()).select_from(User)) >= 200
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    assert staff.is_staff and staff.check_password("edx")
    assert {c.key for c in db.session.scalars(select(Course))} >= {
        "course-v1:edX+DemoX+Demo_Course",
        "edX/Open_DemoX/edx_demo_course",
    }
    code, second = load(runner, Path("webapp/demo/spec.yaml"))
    written = sum(second["counts"][a] for a in ("create", "update", "delete", "deactivate"))
    assert written == 0 and second["counts"]["unchanged"] == first["counts"]["create"]


def test_alias_bombs_and_deep_nesting_are_refused(runner, tmp_path):
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(9)
        )
        + "users: *j\n"
    )
    result = runner.invoke(args=["data", "load", str(write(tmp_path, "bomb.yaml", bomb))])
    assert result.exit_code == 1 and "alias" in result.output
    deep = runner.invoke(args=["data", "load", str(write(tmp_path, "deep.yaml", "users: " + "[" * 100_000))])
    assert deep.exit_code == 1 and "deep.yaml" in deep.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
