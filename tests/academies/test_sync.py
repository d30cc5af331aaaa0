"""The sync plan: envelopes, matching, deactivate-missing safety, dry run, failing rows, stale plans."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.academies.builders import (
    academy,
    academy_count,
    cli_sync,
    make_academy,
    plan_rows,
    sync_file,
    write_catalog,
)
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.statuses import PlanStatus

ITEMS = [{"name": "Alpha"}, {"name": "Beta"}]


@pytest.fixture(autouse=True)
def _staff(world):
    return world


@pytest.mark.parametrize(
    "payload",
    [
        ITEMS,
        {"results": ITEMS},
        {"items": ITEMS},
        {"academies": ITEMS},
        {"catalogs": ITEMS},
        {"count": 2, "results": "not a list", "items": ITEMS, "academies": [{"name": "Ignored"}]},
    ],
    ids=["plain-list", "results", "items", "academies", "catalogs", "first-list-wins"],
)
def test_every_envelope_yields_the_academies(runner, tmp_path, payload):
    data = sync_file(runner, tmp_path, payload)
    assert data["counts"]["create"] == 2
    assert academy("Alpha") and academy("Beta") and academy("Ignored") is None


@pytest.mark.parametrize(
    "payload",
    [{}, {"count": 0, "next": None}, {"data": ITEMS}, []],
    ids=["empty-object", "no-list", "unknown-key", "empty-list"],
)
def test_an_object_without_a_list_is_an_empty_catalog(runner, tmp_path, payload):
    data = sync_file(runner, tmp_path, payload)
    assert data["status"] == PlanStatus.APPLIED
    assert sum(data["counts"].values()) == 0
    assert academy_count() == 0


@pytest.mark.parametrize("payload", ['"academies"', "42", "null", "true"])
def test_json_of_the_wrong_shape_is_refused(runner, tmp_path, payload):
    code, output = cli_sync(runner, write_catalog(tmp_path, payload))
    assert code == 1
    assert "wrong shape" in output


def test_matching_is_case_insensitive_keeps_the_stored_casing_and_deactivates_nothing(runner, tmp_path):
    make_academy("Data Science", display_order=1)
    make_academy("Old One", display_order=2)
    data = sync_file(runner, tmp_path, [{"name": "DATA science", "display_order": 5}], "--deactivate-missing")
    rows = {r.label: r for r in plan_rows(data["plan_id"])}
    assert rows["Data Science"].action == "update"
    assert rows["Data Science"].before == {"display_order": 1} and rows["Data Science"].after == {"display_order": 5}
    assert rows["Old One"].action == "deactivate"
    stored = academy("data science")
    assert (stored.name, stored.display_order, stored.is_active) == ("Data Science", 5, True)
    assert academy("Old One").is_active is False
    assert academy_count() == 2


def test_unchanged_when_the_catalog_matches(runner, tmp_path):
    make_academy(
        "Alpha",
        slug="alpha",
        product_key="alpha",
        long_name="Alpha",
        stripe_price_lookup_key="essentials_alpha_academy_yearly",
    )
    data = sync_file(runner, tmp_path, [{"name": "alpha"}], "--deactivate-missing")
    assert data["counts"]["unchanged"] == 1 and data["counts"]["deactivate"] == 0


def test_update_lists_field_diffs_old_to_new(runner, tmp_path):
    make_academy("Alpha", description="old text", tags=["a"])
    data = sync_file(
        runner,
        tmp_path,
        [{"name": "Alpha", "description": "new text", "tags": ["a", "b"], "slug": "alpha", "product_key": "alpha"}],
        "--dry-run",
    )
    (row,) = plan_rows(data["plan_id"])
    assert row.action == "update"
    assert ("description", "old text", "new text") in row.changes
    assert ("tags", ["a"], ["a", "b"]) in row.changes
    assert "description" in row.message


@pytest.mark.parametrize(
    "payload",
    [[], {"results": []}, {"oops": True}, [{"slug": "no-name"}, "text", 3]],
    ids=["empty-list", "empty-envelope", "no-list", "only-nameless-items"],
)
def test_deactivate_missing_never_fires_when_the_payload_yields_no_academies(runner, tmp_path, payload):
    make_academy("Alpha")
    make_academy("Beta")
    data = sync_file(runner, tmp_path, payload, "--deactivate-missing")
    assert data["counts"]["deactivate"] == 0
    assert academy("Alpha").is_active and academy("Beta").is_active


def test_deactivate_missing_only_touches_active_academies_not_in_the_payload(runner, tmp_path):
    make_academy("Listed")
    make_academy("Gone")
    make_academy("Already Off", is_active=False)
    data = sync_file(
        runner, tmp_path, [{"name": "LISTED"}, {"name": "Broken", "display_order": "x"}], "--deactivate-missing"
    )
    assert data["counts"]["deactivate"] == 1
    assert academy("Gone").is_active is False
    assert academy("Listed").is_active is True
    assert academy("Already Off").is_active is False


def test_without_deactivate_missing_nothing_is_deactivated(runner, tmp_path):
    make_academy("Gone")
    data = sync_file(runner, tmp_path, [{"name": "New"}])
    assert data["counts"]["deactivate"] == 0 and academy("Gone").is_active


def test_an_item_naming_a_missing_academy_row_with_an_error_is_not_deactivated(runner, tmp_path):
    make_academy("Broken")
    data = sync_file(
        runner, tmp_path, [{"name": "Fine"}, {"name": "broken", "display_order": 1.5}], "--deactivate-missing"
    )
    assert data["counts"]["error"] == 1 and data["counts"]["deactivate"] == 0
    assert academy("Broken").is_active


def test_dry_run_writes_nothing_and_counts_exactly_what_the_real_run_does(runner, tmp_path):
    make_academy(
        "Stays",
        slug="stays",
        product_key="stays",
        long_name="Stays",
        stripe_price_lookup_key="essentials_stays_academy_yearly",
    )
    make_academy("Changes", description="old")
    make_academy("Vanishes")
    catalog = write_catalog(
        tmp_path,
        {
            "results": [
                {"name": "Stays"},
                {"name": "changes", "description": "new"},
                {"name": "Brand New"},
                {"title": ""},
                {"name": "Dup Key", "stripe_price_lookup_key": "essentials_stays_academy_yearly"},
            ]
        },
    )
    code, dry = cli_sync(runner, catalog, "--dry-run", "--deactivate-missing")
    assert code == 0 and dry["status"] == PlanStatus.PREVIEWED
    assert academy("Brand New") is None and academy("Vanishes").is_active
    assert academy("Changes").description == "old"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.apply")) is None
    code, real = cli_sync(runner, catalog, "--deactivate-missing")
    assert code == 0 and real["status"] == PlanStatus.APPLIED
    assert (
        real["counts"]
        == dry["counts"]
        == {"error": 1, "create": 1, "update": 1, "delete": 0, "deactivate": 1, "unchanged": 1, "skip": 1}
    )
    assert real["rows"] == dry["rows"]
    assert real["outcomes"] == {"applied": 3, "failed": 0}


def test_a_failing_row_does_not_stop_the_others(runner, tmp_path):
    make_academy("Owner", stripe_price_lookup_key="taken_key")
    data = sync_file(
        runner,
        tmp_path,
        [
            {"name": "One", "stripe_price_lookup_key": "shared_key"},
            {"name": "Two", "stripe_price_lookup_key": "shared_key"},
            {"name": "Three", "stripe_price_lookup_key": "taken_key"},
            {"name": "Four"},
        ],
    )
    errors = {r["key"]: r for r in data["rows"] if r["action"] == "error"}
    assert set(errors) == {"Two", "Three"}
    assert errors["Two"]["code"] == "duplicate_lookup_key" and "row 1" in errors["Two"]["message"]
    assert "academy 'Owner'" in errors["Three"]["message"]
    assert data["outcomes"] == {"applied": 2, "failed": 0}
    assert academy("One") and academy("Four") and academy("Two") is None and academy("Three") is None


def test_duplicate_names_in_the_payload_last_one_wins(runner, tmp_path):
    data = sync_file(runner, tmp_path, [{"name": "Twin", "display_order": 1}, {"name": "TWIN", "display_order": 2}])
    assert data["counts"] == {**data["counts"], "create": 1, "skip": 1}
    assert data["rows"][0]["code"] == "duplicate_row" and "row 2" in data["rows"][0]["message"]
    assert academy("twin").name == "TWIN" and academy("twin").display_order == 2


def test_apply_is_audited(runner, tmp_path):
    data = sync_file(runner, tmp_path, ITEMS)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.plan_id == data["plan_id"]))
    assert event.action == "plan.apply" and event.actor_name == "staff"
    assert event.detail["kind"] == "academy_sync"


def test_a_stale_plan_writes_nothing_and_offers_a_fresh_preview(client, tmp_path):
    client.login("staff")
    response = client.post(
        "/academies/sync",
        data={
            "source": "upload",
            "file": (write_catalog(tmp_path, [{"name": "Racing"}, {"name": "Calm"}]).open("rb"), "catalog.json"),
        },
        content_type="multipart/form-data",
    )
    plan_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    make_academy("RACING", description="written meanwhile")  # someone else created it since the preview
    response = client.post(f"/plans/{plan_id}/apply")
    assert response.status_code == 302
    fresh_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert fresh_id != plan_id
    assert academy("Calm") is None  # nothing written, not even the rows that did not change
    assert academy("Racing").description == "written meanwhile"
    stale = client.soup(f"/plans/{plan_id}")
    assert "stale" in stale.get_text()
    fresh = {r.label: r.action for r in plan_rows(fresh_id)}
    assert fresh == {"RACING": "update", "Calm": "create"}
