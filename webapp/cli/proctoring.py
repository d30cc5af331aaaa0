"""`flask proctoring ...`: replay provider payloads, list a course's attempts, sign a payload file."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from flask import current_app

from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.extensions import db
from webapp.services import plans
from webapp.services.errors import ServiceError
from webapp.services.proctoring import queue, replay, reset, signing
from webapp.statuses import Action, PlanStatus


@click.group("proctoring", help="Proctoring reviews: replay payloads, list and reset attempts, sign payloads.")
def group() -> None:
    pass


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ServiceError(f"{path}: cannot be read ({error.strerror}).") from None


@group.command("ingest")
@click.argument("path", type=click.Path(dir_okay=False))
@as_option
@click.option(
    "--course",
    "course_key",
    default="",
    metavar="KEY",
    help="Limit the replay to this course (course staff may then run it).",
)
@dry_run_option
@json_option
@refuses_with_exit_1
def ingest(path: str, as_user: str, course_key: str, dry_run: bool, as_json: bool) -> None:
    """Replay provider payloads (JSON, a JSON list, or JSON lines) through the review service."""
    raw = _read(path)
    user = actor(as_user)
    if course_key:
        plan = replay.plan_replay(raw, Path(path).name, actor=user, course_key=course_key)
        if not dry_run:
            plans.apply_plan(plan.id, user)
    else:
        plan = replay.ingest(raw, Path(path).name, actor=user, dry_run=dry_run)
    echo_plan(plan, as_json)


@group.command("attempts")
@click.option("--course", "course_key", required=True, metavar="KEY", help="The course key.")
@click.option("--as", "as_user", default=None, metavar="USERNAME", help="Check as this user (default: ops).")
@json_option
@refuses_with_exit_1
def attempts(course_key: str, as_user: str | None, as_json: bool) -> None:
    """Every attempt of a course, with its status, credit status and review status."""
    rows = queue.attempts_json(actor(as_user) if as_user else None, course_key)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['attempt_code']}  {row['username']:<20} {row['content_id']:<40} {row['status']:<24} "
            f"credit={row['credit_status'] or '-'} review={row['review_status'] or '-'}"
        )
    click.echo(f"{len(rows)} attempt(s)")


@group.command("sign")
@click.argument("path", type=click.Path(dir_okay=False))
@refuses_with_exit_1
def sign(path: str) -> None:
    """Print the two signature headers for a payload file (signed now with PROCTORING_WEBHOOK_SECRET)."""
    body = _read(path)
    headers = signing.sign_headers(body, current_app.config.get("PROCTORING_WEBHOOK_SECRET", ""))
    for name, value in headers.items():
        click.echo(f"{name}: {value}")
    sys.stdout.flush()


@group.command("reset-attempts")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--course", "course_key", required=True, metavar="KEY", help="The course key.")
@as_option
@dry_run_option
@json_option
@refuses_with_exit_1
def reset_attempts(path: str, course_key: str, as_user: str, dry_run: bool, as_json: bool) -> None:
    """Reset attempts from a CSV `username_or_email,exam` (exam = content_id): archive, remove credit status."""
    user = actor(as_user)
    raw = _read(path)
    plan = reset.plan_upload(user, course_key, io.BytesIO(raw), Path(path).name)
    if not dry_run and plan.status == PlanStatus.PREVIEWED and plan.count(Action.DEACTIVATE):
        plans.apply_plan(plan.id, user)
        db.session.refresh(plan)
    echo_plan(plan, as_json)


@group.command("reset-attempt")
@click.option("--course", "course_key", required=True, metavar="KEY", help="The course key.")
@click.option("--exam", "content_id", required=True, metavar="CONTENT_ID", help="The exam's content_id.")
@click.option("--learner", "identifier", required=True, metavar="ID", help="The learner's username or email.")
@as_option
@json_option
@refuses_with_exit_1
def reset_attempt(course_key: str, content_id: str, identifier: str, as_user: str, as_json: bool) -> None:
    """Reset one learner's current attempt at an exam (a one-row plan, applied)."""
    done = reset.reset_learner(actor(as_user), course_key, content_id, identifier)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan_id": done.plan.id,
                    "attempt_code": done.attempt.attempt_code,
                    "learner": done.attempt.user.username,
                    "exam": done.attempt.exam.content_id,
                    "message": done.message,
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"Reset (plan #{done.plan.id}): {done.message}")
