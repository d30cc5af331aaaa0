"""The enterprise catalog's own field names (domain §3), through the command line sync and the academy page."""

from __future__ import annotations

import pytest

from tests.academies.builders import academy, cli_sync, make_academy, plan_count, plan_rows, sync_file, write_catalog

UUID = "b48ff396-03b4-467f-a4cc-da4327156984"
OTHER = "0f3c2a1e-7d4b-4e6a-9c8d-1b2a3c4d5e6f"

ENTERPRISE_ITEM = {
    "uuid": UUID.upper(),
    "title": "Awesome Academy",
    "short_description": "  Short and sweet.  ",
    "long_description": "I am an awesome academy, at length.",
    "image": {"url": "https://example.com/academies/images/awesome-academy.png"},
    "tags": [{"id": 111, "title": "wowwww", "description": "d"}, {"id": 222, "title": {"rendered": "ai"}}, "ml", 7],
}


@pytest.fixture(autouse=True)
def _staff(world):
    return world


def test_the_enterprise_catalog_item_is_read_field_by_field(runner, tmp_path):
    data = sync_file(runner, tmp_path, [ENTERPRISE_ITEM])
    assert data["counts"]["create"] == 1
    stored = academy("Awesome Academy")
    assert stored.catalog_uuid == UUID  # canonical: lower case, hyphenated
    assert stored.long_name == "Awesome Academy"
    assert stored.description == "Short and sweet."
    assert stored.long_description == "I am an awesome academy, at length."
    assert stored.thumbnail_url == "https://example.com/academies/images/awesome-academy.png"
    assert stored.tags == ["wowwww", "ai", "ml", "7"]


def test_image_as_a_string_and_the_legacy_names_first(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"title": "Plain Image", "image": " https://example.com/plain.png "},
            {
                "title": "Legacy Wins",
                "description": "legacy",
                "short_description": "enterprise",
                "thumbnail_url": "https://legacy",
                "image": {"url": "https://enterprise"},
            },
            {"title": "Empty Image", "image": {"url": "  "}, "short_description": {"rendered": ""}},
        ],
    )
    assert academy("Plain Image").thumbnail_url == "https://example.com/plain.png"
    legacy = academy("Legacy Wins")
    assert (legacy.description, legacy.thumbnail_url) == ("legacy", "https://legacy")
    empty = academy("Empty Image")
    assert (empty.description, empty.thumbnail_url, empty.long_description) == ("", "", "")


def test_a_number_where_text_is_expected_counts_as_its_string_a_boolean_does_not(runner, tmp_path):
    """Decision: JSON true/false where text is expected counts as missing (an academy is never named "True")."""
    data = sync_file(
        runner,
        tmp_path,
        [
            {"title": 2030, "short_description": 3.5, "slug": 42, "marketing_url": 0, "uuid": OTHER},
            {"name": True, "title": "Real Name", "description": False, "summary": "from summary", "tags": [True, "t"]},
            {"name": False, "title": True},
        ],
    )
    stored = academy("2030")
    assert stored is not None
    assert (stored.description, stored.slug, stored.marketing_url) == ("3.5", "42", "0")
    assert stored.stripe_price_lookup_key == "essentials_2030_academy_yearly"
    real = academy("Real Name")
    assert real is not None and academy("True") is None
    assert (real.description, real.tags) == ("from summary", ["t"])
    assert [r["code"] for r in data["rows"] if r["action"] == "skip"] == ["no_name"]


def test_a_number_is_never_a_uuid(runner, tmp_path):
    sync_file(runner, tmp_path, [{"name": "Numbered", "uuid": 9223372036854775807}])
    assert academy("Numbered").catalog_uuid is None


def test_a_number_too_large_to_store_is_refused_clearly(runner, tmp_path):
    payload = '[{"name": "Fine"}, {"name": "Huge", "uuid": 123456789012345678901234567890123}]'
    code, output = cli_sync(runner, write_catalog(tmp_path, payload))
    assert code == 1
    assert "item 2, field “uuid” holds the number 123456789012345678901234567890123, too large to store" in output
    assert plan_count() == 0 and academy("Fine") is None


def test_the_stored_catalog_uuid_is_kept_when_the_item_has_none_and_updated_when_it_changes(runner, tmp_path):
    make_academy("Kept", catalog_uuid=UUID)
    make_academy("Changed", catalog_uuid=OTHER)
    new = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"
    data = sync_file(runner, tmp_path, [{"name": "Kept", "uuid": "not-a-uuid"}, {"name": "Changed", "uuid": new}])
    assert academy("Kept").catalog_uuid == UUID
    assert academy("Changed").catalog_uuid == new
    (update,) = [r for r in plan_rows(data["plan_id"]) if r.action == "update"]
    assert update.before == {"catalog_uuid": OTHER} and update.after == {"catalog_uuid": new}


def test_a_catalog_uuid_used_twice_is_a_row_error_and_the_others_apply(runner, tmp_path):
    make_academy("Owner", catalog_uuid=UUID)
    data = sync_file(
        runner,
        tmp_path,
        [
            {"name": "Thief", "uuid": UUID},
            {"name": "First", "uuid": OTHER},
            {"name": "Second", "uuid": OTHER.upper()},
            {"name": "Fine"},
        ],
    )
    errors = {r["row"]: r["message"] for r in data["rows"] if r["action"] == "error"}
    assert "already the uuid of academy 'Owner'" in errors[1]
    assert "also used by row 2" in errors[3]
    assert academy("Thief") is None and academy("Second") is None
    assert academy("First").catalog_uuid == OTHER and academy("Fine") is not None


def test_the_list_page_shows_the_catalog_uuid_and_the_tag_titles(client, runner, tmp_path):
    sync_file(runner, tmp_path, [ENTERPRISE_ITEM])
    client.login("staff")
    row = client.soup("/academies/").select_one("table.table tbody tr")
    text = row.get_text(" ", strip=True)
    assert f"Catalog uuid {UUID}" in text and "wowwww" in text and "{" not in text
