"""`flask completion export`: the learner completion file of an enterprise customer (domain §4)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from webapp.cli.common import OutputPath, json_option, refuses_with_exit_1
from webapp.services import completion
from webapp.services.csvio import csv_lines
from webapp.timeutil import iso, parse_iso
from webapp.wording import plural


class IsoDate(click.ParamType):
    name = "ISO"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_iso(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date, e.g. 2026-06-30 or 2026-06-30T12:00:00Z", param, ctx)


@click.group("completion", help="Learner completion exports of enterprise customers.")
def group() -> None:
    pass


@group.command("export")
@click.option("--customer", required=True, metavar="SLUG", help="The enterprise customer's slug.")
@click.option("--course", default=None, metavar="KEY", help="Only this course.")
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="The time the rules take as “now” (ISO 8601, UTC when no zone); default: now.",
)
@click.option("--only-changes", is_flag=True, help="Leave out enrollments whose grade was already exported.")
@click.option(
    "--out",
    "out",
    type=OutputPath(),
    default=None,
    help="Write the CSV (UTF-8 with BOM) to this file; default: standard output, without BOM.",
)
@json_option
@refuses_with_exit_1
def export(
    customer: str, course: str | None, as_of: datetime | None, only_changes: bool, out: str | None, as_json: bool
) -> None:
    """Export the completion CSV. Runs as the trusted command line; the export is recorded with no actor."""
    if as_json and not out:
        raise click.UsageError("--json needs --out (standard output would mix the CSV and the JSON).")
    job = completion.start_export(None, completion.ExportParams(customer, course, as_of, only_changes))
    lines = csv_lines(completion.HEADER, job.csv_rows())
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for chunk in lines:
                handle.write(chunk)
    else:
        for index, chunk in enumerate(lines):
            click.echo(chunk.removeprefix("\ufeff") if index == 0 else chunk, nl=False)
    summary = {
        "export_id": job.export_id,
        "customer": customer,
        "course": course,
        "as_of": iso(job.resolved.as_of),
        "only_changes": only_changes,
        "exported": job.exported,
        "skipped": job.skipped,
        "counts": dict(sorted(job.counts.items())),
        "out": out,
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    counts = ", ".join(f"{k} {n}" for k, n in sorted(job.counts.items()))
    click.echo(
        f"Export #{job.export_id}: {plural(job.exported, '{n} record', '{n} records')}, "
        f"{job.skipped} skipped ({counts or 'none'})" + (f" → {out}" if out else ""),
        err=not out,
    )
