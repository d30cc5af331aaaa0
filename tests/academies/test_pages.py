"""The academy pages: list, search, sync form (configured catalog / upload), refusals, history, permissions."""

from __future__ import annotations

import io
import json

import pytest

from tests.academies.builders import academy, academy_count, make_academy, plan_count


@pytest.fixture(autouse=True)
def _world(world):
    return world


def _upload(client, payload, filename="catalog.json", **extra):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(body), filename), **extra},
        content_type="multipart/form-data",
    )


def test_list_shows_active_and_inactive_ordered_by_display_order(client):
    make_academy("Zeta", display_order=1)
    make_academy("Alpha", display_order=3, is_active=False)
    make_academy("Mid", display_order=2, catalog_query_uuid="5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c")
    client.login("staff")
    soup = client.soup("/academies/")
    rows = soup.select("table.table tbody tr")
    assert [r.find("strong").get_text() for r in rows] == ["Zeta", "Mid", "Alpha"]
    assert "Inactive" in rows[2].get_text() and "Active" in rows[0].get_text()
    assert "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c" in rows[1].get_text()
    assert soup.find("a", string="Sync history")


def test_search_filters_by_name_slug_or_key(client):
    make_academy("Data Science")
    make_academy("Cloud", slug="cloud-computing")
    client.login("staff")
    names = [s.get_text() for s in client.soup("/academies/?q=SCIENCE").select("tbody strong")]
    assert names == ["Data Science"]
    assert [s.get_text() for s in client.soup("/academies/?q=computing").select("tbody strong")] == ["Cloud"]
    assert "No academy matches" in client.soup("/academies/?q=%25").get_text()


def test_sync_form_states_the_source_and_the_consequence(client):
    client.login("staff")
    form = client.soup("/academies/").find("form", action="/academies/sync")
    text = form.get_text(" ", strip=True)
    assert "demo catalog file" in text and "catalog_academies.json" in text
    assert "marked inactive" in text and "nothing is deactivated" in text
    assert form.find("input", {"type": "file", "name": "file"})
    checkbox = form.find("input", {"type": "checkbox", "name": "deactivate_missing"})
    assert "Deactivate academies the catalog no longer lists" in checkbox.find_parent("label").get_text()


def test_upload_plans_and_redirects_to_the_generic_preview(client):
    make_academy("Old")
    client.login("staff")
    response = _upload(client, {"items": [{"name": "New"}, {"description": "no name"}]}, deactivate_missing="y")
    assert response.status_code == 302 and "/plans/" in response.headers["Location"]
    soup = client.soup(response.headers["Location"])
    text = soup.get_text(" ", strip=True)
    assert "Academy sync preview" in text
    assert "create 1" in text and "deactivate 1" in text
    assert "no_name" in text and "the item has no name, title or short_name" in text
    assert academy("New") is None and academy("Old").is_active  # a preview writes nothing


def test_configured_catalog_demo_file_from_the_page(client):
    client.login("staff")
    response = client.post("/academies/sync", data={"source": "catalog"})
    assert response.status_code == 302
    soup = client.soup(response.headers["Location"])
    assert "catalog_academies.json" in soup.get_text()
    assert academy_count() == 0


@pytest.mark.parametrize(
    ("payload", "filename", "message"),
    [
        (b"{broken", "catalog.json", "is not valid JSON"),
        (b'"text"', "catalog.json", "wrong shape"),
        (b"[]", "catalog.csv", "is not a .json file"),
    ],
)
def test_refused_uploads_re_render_the_form_with_the_message(client, payload, filename, message):
    client.login("staff")
    response = _upload(client, payload, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert b'action="/academies/sync"' in response.data
    assert plan_count() == 0


def test_upload_without_a_file_is_refused(client):
    client.login("staff")
    response = client.post("/academies/sync", data={"source": "upload"})
    assert response.status_code == 400 and "Choose a JSON file" in response.get_data(as_text=True)


def test_refused_configured_url_re_renders_the_form(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_ACADEMIES_URL", "http://127.0.0.1:9/catalog")
    client.login("staff")
    response = client.post("/academies/sync", data={"source": "catalog"})
    assert response.status_code == 400 and "Could not connect" in response.get_data(as_text=True)


def test_apply_from_the_preview_then_history(client):
    client.login("staff")
    location = _upload(client, [{"name": "Applied"}]).headers["Location"]
    plan_id = int(location.rstrip("/").split("/")[-1])
    assert client.post(f"/plans/{plan_id}/apply").status_code == 302
    assert academy("Applied") is not None
    history = client.soup("/academies/history")
    link = history.find("a", href=f"/plans/{plan_id}")
    assert link is not None and "Applied" in link.find_parent("tr").get_text()


def test_csrf_is_required(client):
    client.login("staff")
    response = client.post("/academies/sync", data={"source": "catalog"}, csrf=False)
    assert response.status_code == 400 and plan_count() == 0


@pytest.mark.parametrize("username", ["course_staff", "learner"])
def test_only_global_staff(client, username, tmp_path):
    make_academy("Secret")
    client.login("staff")
    plan_location = _upload(client, [{"name": "X"}]).headers["Location"]
    client.post("/logout")
    client.login(username)
    assert client.get("/academies/").status_code == 403
    assert client.get("/academies/history").status_code == 403
    assert client.post("/academies/sync", data={"source": "catalog"}).status_code == 403
    assert _upload(client, [{"name": "Y"}]).status_code == 403
    assert client.get(plan_location).status_code == 404  # a plan one may not see answers as a missing one
    client.post(plan_location + "/apply")  # the generic apply view flashes the refusal and redirects
    assert academy("X") is None and academy("Y") is None and plan_count() == 1


def test_nav_link_only_for_global_staff(client):
    client.login("staff")
    assert client.soup("/").find("a", href="/academies/")
    client.post("/logout")
    client.login("course_staff")
    assert client.soup("/").find("a", href="/academies/") is None
