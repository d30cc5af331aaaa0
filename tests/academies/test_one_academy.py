"""Syncing one academy (by catalog uuid or by name) from the command line and from the page."""

from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup

from tests.academies.builders import (
    academy,
    academy_count,
    cli_sync,
    make_academy,
    plan_count,
    plan_rows,
    write_catalog,
)

UUID = "b48ff396-03b4-467f-a4cc-da4327156984"
CATALOG = {
    "next": None,
    "results": [
        {"uuid": "0f3c2a1e-7d4b-4e6a-9c8d-1b2a3c4d5e6f", "title": "First Academy"},
        {"name": "!!!", "title": "ignored"},
        {"uuid": UUID.upper(), "title": "Awesome Academy", "short_description": "new text"},
        {"name": "Data Science", "description": "refreshed"},
    ],
}


@pytest.fixture(autouse=True)
def _world(world):
    make_academy("Data Science", description="old")
    make_academy("Stale")  # active, not in the catalog: a full sync with deactivate_missing would deactivate it
    return world


def test_by_uuid_plans_only_that_item_and_never_deactivates(runner, tmp_path):
    code, data = cli_sync(runner, write_catalog(tmp_path, CATALOG), "--academy", UUID.upper(), "--deactivate-missing")
    assert code == 0, data
    rows = plan_rows(data["plan_id"])
    assert [(r.action, r.label) for r in rows] == [("create", "Awesome Academy")]
    assert rows[0].data["position"] == 3
    assert academy("Awesome Academy").catalog_uuid == UUID
    assert academy("First Academy") is None and academy("Data Science").description == "old"
    assert academy("Stale").is_active


def test_by_name_case_insensitively(runner, tmp_path):
    code, data = cli_sync(runner, write_catalog(tmp_path, CATALOG), "--academy", "  data SCIENCE ")
    assert code == 0, data
    assert data["counts"]["update"] == 1 and sum(data["counts"].values()) == 1
    assert academy("Data Science").description == "refreshed"
    assert academy_count() == 2


def test_the_note_when_deactivate_missing_is_given_too(runner, tmp_path):
    argv = ["academies", "sync", "--as", "staff", "--source", str(write_catalog(tmp_path, CATALOG))]
    result = runner.invoke(args=[*argv, "--academy", "Data Science", "--deactivate-missing", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "never deactivates other academies" in result.output
    assert academy("Stale").is_active


@pytest.mark.parametrize("selector", ["No Such Academy", "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918", "   "])
def test_an_unknown_uuid_or_name_is_refused_with_exit_1(runner, tmp_path, selector):
    code, output = cli_sync(runner, write_catalog(tmp_path, CATALOG), "--academy", selector)
    assert code == 1
    assert ("lists no academy with the uuid or name" in output and selector.strip() in output) or (
        "Name the academy to sync" in output
    )
    assert plan_count() == 0 and academy_count() == 2


def _post(client, payload, **fields):
    return client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(json.dumps(payload).encode()), "catalog.json"), **fields},
        content_type="multipart/form-data",
    )


def test_from_the_page_by_uuid(client):
    client.login("staff")
    form = client.soup("/academies/").find("form", action="/academies/sync")
    assert form.find("input", {"name": "academy"}) is not None
    response = _post(client, CATALOG, academy=UUID, deactivate_missing="y")
    assert response.status_code == 302, response.data[:500]
    soup = client.soup(response.headers["Location"])
    text = soup.get_text(" ", strip=True)
    assert f"only the academy {UUID}" in text
    assert "create 1" in text and "deactivate" not in [c.get_text(strip=True) for c in soup.select("tbody td")]
    assert "never deactivates other academies" in text
    (plan_id,) = [int(response.headers["Location"].rstrip("/").split("/")[-1])]
    assert [r.label for r in plan_rows(plan_id)] == ["Awesome Academy"]
    assert academy("Awesome Academy") is None  # a preview writes nothing


def test_from_the_page_an_unknown_name_is_a_form_error(client):
    client.login("staff")
    response = _post(client, CATALOG, academy="Nope Academy")
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    field = soup.find("input", {"name": "academy"}).find_parent(class_="field")
    assert "lists no academy with the uuid or name 'Nope Academy'" in field.find(class_="field-error").get_text()
    assert field.find("input")["value"] == "Nope Academy"
    assert plan_count() == 0
