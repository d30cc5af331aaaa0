"""`flask users create-staff`."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import make_course
from webapp.extensions import db
from webapp.models import CourseStaff, User


def test_create_global_staff_from_stdin_then_log_in(runner, client):
    result = runner.invoke(
        args=["users", "create-staff", "ops", "--email", "ops@example.com", "--global", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "global staff" in result.output
    assert client.login("ops", "correct horse battery").status_code == 302


def test_create_course_staff_with_prompt(runner):
    make_course("course-v1:X+Y+Z")
    db.session.commit()
    result = runner.invoke(
        args=["users", "create-staff", "cs", "--email", "cs@example.com", "--course", "course-v1:X+Y+Z"],
        input="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "cs"))
    assert not user.is_staff
    assert db.session.scalar(select(CourseStaff).where(CourseStaff.user_id == user.id)) is not None


def test_unknown_course_and_short_password_are_refused(runner):
    unknown = runner.invoke(
        args=["users", "create-staff", "cs", "--email", "cs@example.com", "--course", "a/b/c", "--password-stdin"],
        input="long enough pw\n",
    )
    assert unknown.exit_code == 1 and "There is no course a/b/c" in unknown.output
    short = runner.invoke(
        args=["users", "create-staff", "cs", "--email", "cs@example.com", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "at least 8 characters" in short.output
