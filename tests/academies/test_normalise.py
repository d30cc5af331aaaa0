"""One test per normalisation rule of domain §3, through the command line sync from a catalog file."""

from __future__ import annotations

import pytest

from tests.academies.builders import academy, make_academy, plan_rows, sync_file

UUID = "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c"
OTHER_UUID = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"


@pytest.fixture(autouse=True)
def _staff(world):
    return world


def test_name_prefers_name_then_title_then_short_name(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "By Name", "title": "Ignored Title", "short_name": "ignored"},
            {"title": "By Title", "short_name": "ignored"},
            {"short_name": "By Short Name"},
        ],
    )
    assert academy("By Name").long_name == "Ignored Title"  # long_name = long_name | title | name
    assert academy("Ignored Title") is None
    assert academy("By Title") is not None
    assert academy("By Short Name") is not None


def test_item_without_any_name_is_skipped_with_the_reason(runner, tmp_path):
    data = sync_file(
        runner, tmp_path, [{"slug": "x", "description": "no name"}, {"name": "   ", "title": ""}, {"name": "Kept"}]
    )
    assert data["counts"]["skip"] == 2 and data["counts"]["create"] == 1
    assert {r["code"] for r in data["rows"]} == {"no_name"}
    assert "no name, title or short_name" in data["rows"][0]["message"]


def test_rich_text_rendered_objects_count_as_their_string(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {
                "name": {"rendered": "  Rich  "},
                "description": {"rendered": "<p>Hello</p>"},
                "long_name": {"rendered": "Rich Academy"},
            }
        ],
    )
    row = academy("Rich")
    assert (row.name, row.description, row.long_name) == ("Rich", "<p>Hello</p>", "Rich Academy")


def test_strings_are_stripped_and_empty_strings_count_as_missing(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {
                "name": "  Padded  ",
                "description": "",
                "summary": "  From summary ",
                "marketing_url": "   ",
                "url": " https://example.com/a ",
            }
        ],
    )
    row = academy("Padded")
    assert row.name == "Padded"
    assert row.description == "From summary"
    assert row.marketing_url == "https://example.com/a"


def test_field_aliases_long_name_description_urls(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "Aliased", "title": "Aliased Title", "summary": "S", "url": "https://u", "image_url": "https://i"},
            {
                "name": "Own",
                "long_name": "Own Long",
                "title": "T",
                "description": "D",
                "summary": "S",
                "marketing_url": "https://m",
                "url": "https://u",
                "thumbnail_url": "https://t",
                "image_url": "https://i",
            },
            {"name": "Bare"},
        ],
    )
    aliased, own, bare = academy("Aliased"), academy("Own"), academy("Bare")
    assert (aliased.long_name, aliased.description, aliased.marketing_url, aliased.thumbnail_url) == (
        "Aliased Title",
        "S",
        "https://u",
        "https://i",
    )
    assert (own.long_name, own.description, own.marketing_url, own.thumbnail_url) == (
        "Own Long",
        "D",
        "https://m",
        "https://t",
    )
    assert (bare.long_name, bare.description, bare.marketing_url, bare.thumbnail_url) == ("Bare", "", "", "")


def test_slug_and_product_key_take_their_own_then_each_other_then_the_name(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "Both", "slug": "The Slug", "product_key": "The Key"},
            {"name": "Slug Only", "slug": "just-slug"},
            {"name": "Key Only", "product_key": "Just Key"},
            {"name": "Café Crème & Co"},
        ],
    )
    assert (academy("Both").slug, academy("Both").product_key) == ("the-slug", "the-key")
    assert (academy("Slug Only").slug, academy("Slug Only").product_key) == ("just-slug", "just-slug")
    assert (academy("Key Only").slug, academy("Key Only").product_key) == ("just-key", "just-key")
    assert (academy("Café Crème & Co").slug, academy("Café Crème & Co").product_key) == (
        "cafe-creme-co",
        "cafe-creme-co",
    )


def test_empty_slug_falls_back_to_the_prefixed_name_then_the_uuid_or_position(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "Design Thinking", "slug": "!!!", "product_key": "???"},
            {"name": "日本語"},
            {"name": "中文", "uuid": UUID.upper(), "stripe_price_lookup_key": "zh"},
            {"name": "한국어", "stripe_price_lookup_key": "ko"},
        ],
    )
    design = academy("Design Thinking")
    assert (design.slug, design.product_key) == ("academy-design-thinking", "academy-product-design-thinking")
    japanese, chinese, korean = academy("日本語"), academy("中文"), academy("한국어")
    assert (japanese.slug, japanese.product_key) == ("academy-2", "academy-product-2")  # its position
    assert (chinese.slug, chinese.product_key) == (f"academy-{UUID}", f"academy-product-{UUID}")  # its uuid
    assert (korean.slug, korean.product_key) == ("academy-4", "academy-product-4")


def test_lookup_key_default_token_rule(runner, tmp_path):
    sync_file(runner, tmp_path, [{"name": "AI & Machine--Learning (2026)!"}, {"name": "  R&D  "}])
    assert (
        academy("AI & Machine--Learning (2026)!").stripe_price_lookup_key
        == "essentials_ai_and_machine_learning_2026_academy_yearly"
    )
    assert academy("R&D").stripe_price_lookup_key == "essentials_r_and_d_academy_yearly"


def test_lookup_key_and_product_id_from_the_item_then_its_metadata(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {
                "name": "Item",
                "stripe_price_lookup_key": " item_key ",
                "stripe_product_id": "prod_item",
                "metadata": {"stripe_price_lookup_key": "meta_ignored", "stripe_product_id": "prod_ignored"},
            },
            {
                "name": "Meta",
                "stripe_price_lookup_key": "",
                "metadata": {"stripe_price_lookup_key": "meta_key", "stripe_product_id": "prod_meta"},
            },
        ],
    )
    assert (academy("Item").stripe_price_lookup_key, academy("Item").stripe_product_id) == ("item_key", "prod_item")
    assert (academy("Meta").stripe_price_lookup_key, academy("Meta").stripe_product_id) == ("meta_key", "prod_meta")


@pytest.mark.parametrize(
    "where",
    [
        {"catalog_query_uuid": UUID},
        {"catalog_query_id": UUID},
        {"metadata": {"catalog_query_uuid": UUID}},
        {"metadata": {"catalog_query_id": UUID}},
        {"catalog_queries": ["nope", UUID, OTHER_UUID]},
        {"catalog_queries": [{"uuid": UUID}]},
        {"catalog_queries": {"catalog_query_uuid": UUID}},
        {"catalog_queries": {"catalog_query_id": UUID}},
        {"catalog_queries": {"id": UUID}},
        {"catalog_queries": {"uuid": UUID}},
    ],
    ids=[
        "item.uuid",
        "item.id",
        "metadata.uuid",
        "metadata.id",
        "queries.list",
        "queries.list-of-objects",
        "queries.obj.catalog_query_uuid",
        "queries.obj.catalog_query_id",
        "queries.obj.id",
        "queries.obj.uuid",
    ],
)
def test_catalog_query_uuid_is_found_in_every_place(runner, tmp_path, where):
    sync_file(runner, tmp_path, [{"name": "Found", **where}])
    assert academy("Found").catalog_query_uuid == UUID


def test_catalog_query_uuid_order_item_then_metadata_then_queries(runner, tmp_path):
    sync_file(
        runner, tmp_path, [{"name": "Order", "catalog_queries": [OTHER_UUID], "metadata": {"catalog_query_uuid": UUID}}]
    )
    assert academy("Order").catalog_query_uuid == UUID


def test_catalog_query_uuid_is_stored_canonical(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "Upper", "catalog_query_uuid": UUID.upper()},
            {"name": "Hex", "catalog_query_id": UUID.replace("-", "")},
            {"name": "Braced", "metadata": {"catalog_query_uuid": "{" + UUID.upper() + "}"}},
        ],
    )
    assert {academy(n).catalog_query_uuid for n in ("Upper", "Hex", "Braced")} == {UUID}


def test_booleans_and_integers_are_not_uuids(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {
                "name": "Legacy",
                "catalog_query_uuid": True,
                "catalog_query_id": 42,
                "metadata": {"catalog_query_uuid": False, "catalog_query_id": 7},
                "catalog_queries": [1, True, {"id": 17, "uuid": UUID}],
            },
            {"name": "Only Legacy", "catalog_query_id": 42, "catalog_queries": {"id": 17}},
        ],
    )
    assert academy("Legacy").catalog_query_uuid == UUID
    assert academy("Only Legacy").catalog_query_uuid is None


def test_stored_catalog_query_uuid_is_kept_when_the_payload_has_none(runner, tmp_path):
    make_academy(
        "Kept",
        catalog_query_uuid=UUID,
        slug="kept",
        product_key="kept",
        stripe_price_lookup_key="essentials_kept_academy_yearly",
    )
    data = sync_file(runner, tmp_path, [{"name": "Kept", "catalog_query_id": 99}])
    assert data["counts"]["unchanged"] == 1
    assert academy("Kept").catalog_query_uuid == UUID
    data = sync_file(runner, tmp_path, [{"name": "Kept", "catalog_query_uuid": OTHER_UUID}])
    assert data["counts"]["update"] == 1
    assert academy("Kept").catalog_query_uuid == OTHER_UUID


def test_display_order_integer_default_zero_else_row_error(runner, tmp_path):
    data = sync_file(
        runner,
        tmp_path,
        [
            {"name": "Int", "display_order": 3},
            {"name": "Text Int", "display_order": " 7 "},
            {"name": "Default"},
            {"name": "Fraction", "display_order": 2.5},
            {"name": "Word", "display_order": "first"},
            {"name": "Bool", "display_order": True},
        ],
    )
    assert (academy("Int").display_order, academy("Text Int").display_order, academy("Default").display_order) == (
        3,
        7,
        0,
    )
    errors = {r["key"]: r for r in data["rows"] if r["action"] == "error"}
    assert set(errors) == {"Fraction", "Word", "Bool"}
    assert all(
        r["code"] == "invalid_field" and "display_order must be an integer" in r["message"] for r in errors.values()
    )
    assert academy("Fraction") is None and academy("Word") is None


def test_is_active_defaults_to_true_and_follows_the_item(runner, tmp_path):
    data = sync_file(
        runner,
        tmp_path,
        [
            {"name": "Default"},
            {"name": "Off", "is_active": False},
            {"name": "On", "is_active": True},
            {"name": "Odd", "is_active": "maybe"},
        ],
    )
    assert (academy("Default").is_active, academy("Off").is_active, academy("On").is_active) == (True, False, True)
    assert [r["code"] for r in data["rows"]] == ["invalid_field"]


def test_tags_are_a_list_or_empty(runner, tmp_path):
    sync_file(
        runner,
        tmp_path,
        [
            {"name": "Listed", "tags": [" data ", "", {"rendered": "ai"}]},
            {"name": "Text", "tags": "finance"},
            {"name": "None"},
        ],
    )
    assert academy("Listed").tags == ["data", "ai"]
    assert academy("Text").tags == [] and academy("None").tags == []


def test_preview_shows_every_normalised_field_of_a_create(runner, tmp_path):
    data = sync_file(runner, tmp_path, [{"title": "Preview", "catalog_query_id": UUID}], "--dry-run")
    (row,) = plan_rows(data["plan_id"])
    assert row.action == "create" and row.label == "Preview"
    assert row.after["slug"] == "preview" and row.after["catalog_query_uuid"] == UUID
    assert row.after["stripe_price_lookup_key"] == "essentials_preview_academy_yearly"
