"""`flask worker` (the queue worker) and `flask jobs …` (list, recover)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Job
from webapp.services import jobs
from webapp.services.jobs.worker import BadPriority, NoQueue, work


@click.command("worker", help="Run a queue worker: background jobs from REDIS_URL (stop with Ctrl+C).")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="The worker's name in RQ (default: host and process id).")
@with_appcontext
def worker(burst: bool, name: str | None) -> None:
    try:
        work(burst=burst, name=name)
    except (NoQueue, BadPriority) as error:
        raise click.ClickException(str(error)) from None


@click.group("jobs", help="List background jobs; recover those whose worker stopped.")
def group() -> None:
    pass


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def list_jobs(as_json: bool) -> None:
    """The 50 newest jobs with their status and progress."""
    rows = [jobs.progress_of(job) for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(50))]
    if as_json:
        click.echo(json.dumps({"jobs": [p.as_dict() for p in rows]}, ensure_ascii=False))
        return
    for p in rows:
        plan = f" plan #{p.plan_id}" if p.plan_id else ""
        click.echo(
            f"#{p.job_id} {p.status}{plan}: {p.phase.label}, {p.done:,} / {p.total:,} rows. {p.message}".rstrip()
        )


@group.command("recover")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def recover(as_json: bool) -> None:
    """Resume (or close) jobs whose worker stopped: their lease expired."""
    recovered = jobs.recover_stalled()
    if as_json:
        click.echo(json.dumps({"recovered": [{"job_id": i, "status": str(s)} for i, s in recovered]}))
        return
    click.echo(f"{len(recovered)} job(s) recovered.")
    for job_id, status in recovered:
        click.echo(f"  job #{job_id}: {status}")
