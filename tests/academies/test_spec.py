"""Data-spec entity `academies` through `flask data load` (domain §5 with the normaliser of §3)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.academies.builders import academy, academy_count, make_academy

UUID = "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c"


def load(runner, tmp_path: Path, text: str) -> tuple[int, dict]:
    path = tmp_path / "academies.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["data", "load", str(path), "--json"])
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {"raw": result.output}


def test_load_normalises_and_is_idempotent(runner, tmp_path):
    spec = f"""
academies:
  - {{name: "AI & Data", catalog_query_uuid: "{UUID.upper()}", tags: [ai], display_order: 2}}
  - {{name: Plain, slug: "!!!", is_active: false}}
"""
    code, data = load(runner, tmp_path, spec)
    assert code == 0 and data["counts"]["create"] == 2, data
    ai, plain = academy("AI & Data"), academy("plain")
    assert (ai.slug, ai.product_key, ai.stripe_price_lookup_key, ai.catalog_query_uuid, ai.tags) == (
        "ai-data",
        "ai-data",
        "essentials_ai_and_data_academy_yearly",
        UUID,
        ["ai"],
    )
    assert (plain.slug, plain.is_active, plain.display_order) == ("academy-plain", False, 0)
    code, again = load(runner, tmp_path, spec)
    assert code == 0 and again["counts"]["unchanged"] == 2 and again["counts"]["create"] == 0


def test_load_matches_case_insensitively_and_keeps_the_stored_uuid(runner, tmp_path):
    make_academy("Kept", catalog_query_uuid=UUID, description="old")
    code, data = load(runner, tmp_path, "academies:\n  - {name: KEPT, slug: kept, description: new}\n")
    assert code == 0 and data["counts"]["update"] == 1
    kept = academy("kept")
    assert (kept.name, kept.description, kept.catalog_query_uuid) == ("Kept", "new", UUID)
    assert academy_count() == 1


def test_load_refuses_bad_entries_and_writes_nothing(runner, tmp_path):
    make_academy("Owner", stripe_price_lookup_key="taken")
    code, data = load(
        runner,
        tmp_path,
        """
academies:
  - {name: Fine}
  - {name: Bad Uuid, catalog_query_uuid: "12"}
  - {name: Clash, stripe_price_lookup_key: taken}
  - {name: Extra, colour: blue}
  - {slug: no-name}
  - {name: Order, display_order: "first"}
""",
    )
    assert code == 0 and data["counts"]["error"] == 5, data
    messages = " | ".join(r["message"] for r in data["rows"])
    assert "catalog_query_uuid' must be a UUID" in messages
    assert "already used by academy 'Owner'" in messages
    assert "unknown field 'colour'" in messages
    assert "field 'name' is required" in messages
    assert "field 'display_order' must be an integer" in messages
    assert academy("Fine") is None  # data specs load all or nothing


def test_demo_academies_spec_loads(runner):
    result = runner.invoke(args=["data", "load", "webapp/demo/academies.yaml", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["counts"]["create"] == 2
    assert academy("Data Science").catalog_query_uuid == "3f2b7c10-9a4e-4d2b-8c61-0e5a9b7d1c21"


OTHER_UUID = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"


def test_a_spec_reaching_a_synced_academy_keeps_its_long_description_and_uuid(runner, tmp_path):
    make_academy("Synced", long_description="What the catalog says at length.", catalog_uuid=UUID, description="old")
    spec = "academies:\n  - {name: Synced, slug: synced, description: new}\n"
    code, data = load(runner, tmp_path, spec)
    assert code == 0 and data["counts"]["update"] == 1, data
    synced = academy("synced")
    assert (synced.description, synced.long_description, synced.catalog_uuid) == (
        "new",
        "What the catalog says at length.",
        UUID,
    )
    code, again = load(runner, tmp_path, spec)
    assert code == 0 and again["counts"]["unchanged"] == 1, again


def test_a_spec_sets_the_catalog_fields_and_refuses_a_uuid_of_another_academy(runner, tmp_path):
    make_academy("Holder", catalog_uuid=OTHER_UUID)
    code, data = load(
        runner,
        tmp_path,
        f"""
academies:
  - {{name: New, uuid: "{UUID.upper()}", long_description: "At length."}}
  - {{name: Holder, long_description: ""}}
""",
    )
    assert code == 0 and data["counts"]["create"] == 1 and data["counts"]["update"] == 0, data
    new = academy("new")
    assert (new.catalog_uuid, new.long_description) == (UUID, "At length.")
    code, refused = load(
        runner,
        tmp_path,
        f"""
academies:
  - {{name: Taker, catalog_uuid: "{OTHER_UUID}"}}
  - {{name: Odd, uuid: "12"}}
""",
    )
    assert code == 0 and refused["counts"]["error"] == 2, refused
    messages = " | ".join(r["message"] for r in refused["rows"])
    assert f"catalog uuid '{OTHER_UUID}' is already used by academy 'Holder'" in messages
    assert "field 'uuid' must be a UUID" in messages
    assert academy("Taker") is None
