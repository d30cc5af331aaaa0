"""`flask users create-staff`."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import make_course, make_user
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


def test_username_that_is_another_users_email_creates_its_own_user(runner, client):
    # Usernames are looked up as usernames: find_user would match the email first and take over "alice".
    alice = make_user("alice", email="shared@example.com", password="alice's password")
    db.session.commit()
    result = runner.invoke(
        args=["users", "create-staff", "Shared@Example.com", "--email", "new@example.com", "--password-stdin"],
        input="a new password\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (alice.username, alice.email) == ("alice", "shared@example.com")
    created = db.session.scalar(select(User).where(User.username == "Shared@Example.com"))
    assert created is not None and created.id != alice.id and created.email == "new@example.com"
    assert client.login("alice", "alice's password").status_code == 302


def test_email_is_compared_with_emails_only_and_an_existing_username_is_updated(runner):
    make_user("carol@example.com", email="c2@example.com")
    dave = make_user("Dave", email="old@example.com")
    db.session.commit()
    result = runner.invoke(
        args=["users", "create-staff", "dave", "--email", "carol@example.com", "--global", "--password-stdin"],
        input="long enough pw\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (dave.username, dave.email, dave.is_staff) == ("Dave", "carol@example.com", True)
    taken = runner.invoke(
        args=["users", "create-staff", "erin", "--email", "C2@example.com", "--password-stdin"],
        input="long enough pw\n",
    )
    assert taken.exit_code == 1 and "already used by carol@example.com" in taken.output
