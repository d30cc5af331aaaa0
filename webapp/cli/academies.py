"""`flask academies sync|list`: the catalog sync and the academy list, for scripts and ops."""

from __future__ import annotations

import json

import click
from flask import current_app

from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import academies, catalog


@click.group("academies", help="Academies synced from the enterprise catalog.")
def group() -> None:
    pass


@group.command("sync")
@click.option(
    "--source",
    metavar="URL_OR_PATH",
    default=None,
    help="An http(s) catalog URL or a JSON file (default: CATALOG_ACADEMIES_URL, else the demo file).",
)
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="Deactivate active academies the catalog no longer lists (never when it yields none).",
)
@click.option(
    "--academy",
    "one_academy",
    metavar="UUID_OR_NAME",
    default=None,
    help="Sync only this academy: its catalog uuid, or its name (any case). Never deactivates anything.",
)
@dry_run_option
@json_option
@as_option
@refuses_with_exit_1
def sync(
    source: str | None, deactivate_missing: bool, one_academy: str | None, dry_run: bool, as_json: bool, as_user: str
) -> None:
    """Plan the sync from the catalog and apply it (with --dry-run: print the preview, write nothing)."""
    user = actor(as_user)
    plan = academies.sync(
        catalog.source_for(source, current_app.config),
        actor=user,
        deactivate_missing=deactivate_missing,
        dry_run=dry_run,
        academy=one_academy,
    )
    if one_academy is not None and deactivate_missing and not as_json:
        click.echo(f"Note: {academies.NO_DEACTIVATION_NOTE}", err=True)
    echo_plan(plan, as_json)


@group.command("list")
@json_option
def list_(as_json: bool) -> None:
    """Every academy, ordered by display order (active and inactive)."""
    rows = academies.list_academies()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("No academies.")
    for row in rows:
        state = "active" if row["is_active"] else "inactive"
        click.echo(
            f"{row['display_order']:>4}  {row['name']}  [{state}]  slug={row['slug']}  "
            f"lookup_key={row['stripe_price_lookup_key']}  catalog_query={row['catalog_query_uuid'] or '-'}  "
            f"catalog_uuid={row['catalog_uuid'] or '-'}"
        )
