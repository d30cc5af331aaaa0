"""`flask academies sync|list`: output shapes, exit codes, acting user."""

from __future__ import annotations

import json

import pytest

from tests.academies.builders import academy, academy_count, make_academy, write_catalog


@pytest.fixture(autouse=True)
def _staff(world):
    return world


def test_sync_dry_run_json_prints_one_plan_object_and_writes_nothing(runner, tmp_path):
    path = write_catalog(tmp_path, [{"name": "A"}, {"slug": "nameless"}])
    result = runner.invoke(args=["academies", "sync", "--source", str(path), "--dry-run", "--json", "--as", "staff"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"plan_id", "kind", "status", "counts", "effects", "rows"}
    assert (data["kind"], data["status"]) == ("academy_sync", "previewed")
    assert data["counts"]["create"] == 1 and data["counts"]["skip"] == 1
    assert data["rows"] == [
        {
            "row": 2,
            "key": "",
            "action": "skip",
            "code": "no_name",
            "message": "the item has no name, title or short_name",
        }
    ]
    assert academy_count() == 0


def test_sync_without_source_uses_the_demo_catalog_file(runner):
    result = runner.invoke(args=["academies", "sync", "--as", "staff"])
    assert result.exit_code == 0, result.output
    assert "applied" in result.output
    assert academy_count() >= 10
    assert academy("Data Science").catalog_query_uuid == "3f2b7c10-9a4e-4d2b-8c61-0e5a9b7d1c21"
    assert academy("Legacy Programming").is_active is False


def test_sync_deactivate_missing_flag(runner, tmp_path):
    make_academy("Retired")
    result = runner.invoke(
        args=[
            "academies",
            "sync",
            "--source",
            str(write_catalog(tmp_path, [{"name": "New"}])),
            "--deactivate-missing",
            "--as",
            "staff",
        ]
    )
    assert result.exit_code == 0 and "deactivate 1" in result.output
    assert academy("Retired").is_active is False


def test_list_json_shape_and_order(runner):
    make_academy(
        "Second",
        display_order=2,
        catalog_query_uuid="5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c",
        catalog_uuid="b48ff396-03b4-467f-a4cc-da4327156984",
    )
    make_academy("First", display_order=1, is_active=False)
    result = runner.invoke(args=["academies", "list", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {
            "name": "First",
            "slug": "first",
            "product_key": "first",
            "stripe_price_lookup_key": "essentials_first_academy_yearly",
            "catalog_query_uuid": None,
            "catalog_uuid": None,
            "is_active": False,
            "display_order": 1,
        },
        {
            "name": "Second",
            "slug": "second",
            "product_key": "second",
            "stripe_price_lookup_key": "essentials_second_academy_yearly",
            "catalog_query_uuid": "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c",
            "catalog_uuid": "b48ff396-03b4-467f-a4cc-da4327156984",
            "is_active": True,
            "display_order": 2,
        },
    ]
    text = runner.invoke(args=["academies", "list"]).output
    assert text.index("First") < text.index("Second") and "[inactive]" in text
    assert "catalog_uuid=b48ff396-03b4-467f-a4cc-da4327156984" in text


@pytest.mark.parametrize("username", ["course_staff", "learner", "nobody"])
def test_sync_refuses_anyone_but_global_staff_with_exit_1(runner, tmp_path, username):
    result = runner.invoke(
        args=["academies", "sync", "--source", str(write_catalog(tmp_path, [{"name": "A"}])), "--as", username]
    )
    assert result.exit_code == 1
    assert academy_count() == 0


def test_sync_usage_errors_exit_2(runner):
    assert runner.invoke(args=["academies", "sync"]).exit_code == 2  # --as is required
    assert runner.invoke(args=["academies", "sync", "--as", "staff", "--bogus"]).exit_code == 2


def test_refused_file_exit_1_with_the_reason(runner, tmp_path):
    result = runner.invoke(
        args=["academies", "sync", "--source", str(write_catalog(tmp_path, "{not json")), "--as", "staff"]
    )
    assert result.exit_code == 1
    assert "is not valid JSON" in result.output and "line 1" in result.output
