"""JSON that Python parses but no column can store, and JSON uploads with too many items, through every door
that reads JSON or YAML (webhook, replay upload and CLI, academy upload, `flask data load`): a 400 / exit 1 /
row error naming the field, nothing written, never a 500 or a traceback. Limits at the boundary and one past."""

from __future__ import annotations

import io
import json

import pytest

from tests.builders import make_course, make_user
from tests.cli.test_data_load import write
from tests.hostile.corpus import snapshot
from tests.proctoring.builders import SAMPLE_LOCATOR, make_attempt, make_exam, payload, post_signed
from webapp.extensions import db
from webapp.models import Plan, PlanRow

HUGE = 2**64  # one past what a 64-bit integer column (and the JSON column writer) holds
CODE = "00000000-0000-4000-8000-000000000555"


def nested(levels: int) -> str:
    """JSON text of `levels` nested lists."""
    return "[" * levels + "]" * levels


def extra(value: object) -> str:
    """A valid provider payload with an extra field "extra" holding `value` (raw JSON text)."""
    return review(f'"extra": {value}')


def review(extra: str = "") -> str:
    """A valid provider payload for the attempt of the `attempt` fixture, with `extra` raw JSON fields."""
    text = json.dumps(payload(code=CODE, locator=SAMPLE_LOCATOR, status="Clean"))
    return text[:-1] + (", " + extra if extra else "") + "}"


@pytest.fixture
def attempt():
    make_user("staff", is_staff=True)
    course = make_course("course-v1:Json+J+1")
    make_attempt(make_exam(course), make_user("alice"), "submitted", code=CODE, external_id=SAMPLE_LOCATOR)
    db.session.commit()


# ------------------------------------------------------------------------------------------------- webhook

WEBHOOK_REFUSALS = {
    "integer beyond 64 bits": (
        f'"extra": {{"count": {HUGE}}}',
        "The body cannot be stored: field “extra.count” holds the number 18446744073709551616, too large to "
        "store (integers must fit in 64 bits).",
    ),
    "nesting 65 levels": (
        f'"extra": {nested(64)}',
        "The body cannot be stored: field “extra[0][0][0]",
    ),
    "nesting 900 levels (a RecursionError before)": (
        f'"extra": {nested(899)}',
        "levels deep",
    ),
    "a NUL in a field name": ('"ex\\u0000tra": 1', "has a field name with a NUL character"),
}


@pytest.mark.parametrize("name", list(WEBHOOK_REFUSALS))
def test_webhook_refuses_unstorable_json_with_400_naming_the_field(client, attempt, name):
    extra, message = WEBHOOK_REFUSALS[name]
    before = snapshot()
    response = post_signed(client, None, raw=review(extra).encode())
    assert response.status_code == 400, (response.status_code, response.data[:300])
    assert message in response.json["detail"]
    assert snapshot() == before


def test_webhook_nesting_exactly_64_levels_and_the_largest_64_bit_integer_are_accepted(client, attempt):
    extra = f'"extra": {nested(63)}, "count": {2**63 - 1}, "low": {-(2**63)}'  # the payload object is level 1
    response = post_signed(client, None, raw=review(extra).encode())
    assert response.status_code == 200, response.data[:300]


def test_webhook_refuses_nesting_65_levels_exactly_one_past(client, attempt):
    response = post_signed(client, None, raw=extra(nested(64)).encode())
    assert response.status_code == 400
    assert response.json["detail"].endswith("is nested more than 64 levels deep.")


# ------------------------------------------------------------------------------------------------- replay


def upload_replay(client, content: bytes):
    return client.post(
        "/proctoring/replay", data={"file": (io.BytesIO(content), "payloads.json")}, content_type="multipart/form-data"
    )


def test_replay_file_with_an_integer_beyond_64_bits_is_refused_naming_item_and_field(client, attempt):
    client.login("staff")
    content = ("[" + review() + ", " + extra(f"[1, {HUGE}]") + "]").encode()
    before = snapshot()
    response = upload_replay(client, content)
    assert response.status_code == 400
    assert (
        "payloads.json cannot be stored: item 2, field “extra[1]” holds the number 18446744073709551616, "
        "too large to store (integers must fit in 64 bits)." in response.get_data(as_text=True)
    )
    assert snapshot() == before


@pytest.mark.parametrize("levels", [65, 900, 5000])
def test_replay_file_nested_too_deep_is_refused(client, attempt, levels):
    client.login("staff")
    before = snapshot()
    response = upload_replay(client, ("[" + extra(nested(levels - 2)) + "]").encode())
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "payloads.json cannot be stored:" in text and ("levels deep" in text or "nested too deeply" in text)
    assert snapshot() == before


def test_replay_json_lines_make_an_unstorable_line_a_row_error_naming_the_field(client, attempt):
    client.login("staff")
    content = (review() + "\n" + extra(HUGE) + "\n").encode()
    response = upload_replay(client, content)
    assert response.status_code == 302
    plan = db.session.get(Plan, int(response.headers["Location"].rstrip("/").split("/")[-1]))
    rows = {row.row_number: row for row in db.session.query(PlanRow).filter_by(plan_id=plan.id)}
    assert rows[2].action == "error"
    assert "line 2 cannot be stored: field “extra” holds the number 18446744073709551616" in rows[2].message
    assert rows[1].action != "error"


@pytest.mark.parametrize("shape", ["list", "lines"])
def test_replay_item_limit_at_the_boundary_and_one_past(client, attempt, app, monkeypatch, shape):
    monkeypatch.setitem(app.config, "JSON_MAX_ITEMS", 3)
    client.login("staff")

    def content(n: int) -> bytes:
        items = [review()] * n
        return (f"[{', '.join(items)}]" if shape == "list" else "\n".join(items)).encode()

    assert upload_replay(client, content(3)).status_code == 302
    before = snapshot()
    response = upload_replay(client, content(4))
    assert response.status_code == 400
    assert "payloads.json has more than 3 items. Split it and upload the parts." in response.get_data(as_text=True)
    assert snapshot() == before


def test_replay_cli_refuses_unstorable_json_with_exit_1(runner, attempt, tmp_path):
    path = tmp_path / "payloads.json"
    path.write_text("[" + extra(nested(900)) + "]")
    result = runner.invoke(args=["proctoring", "ingest", str(path), "--as", "staff"])
    assert result.exit_code == 1, result.output
    assert "payloads.json cannot be stored:" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------------------------ academies


def upload_catalog(client, content: bytes):
    return client.post(
        "/academies/sync",
        data={"source": "upload", "file": (io.BytesIO(content), "catalog.json")},
        content_type="multipart/form-data",
    )


ACADEMY_REFUSALS = {
    "integer beyond 64 bits": (
        f'[{{"name": "A"}}, {{"name": "B", "display_order": {HUGE}}}]',
        "catalog.json cannot be stored: item 2, field “display_order” holds the number 18446744073709551616",
    ),
    "minus one past the smallest 64-bit integer": (
        f'[{{"name": "A", "display_order": {-(2**63) - 1}}}]',
        "item 1, field “display_order” holds the number -9223372036854775809",
    ),
    "nesting 65 levels": (f'[{{"name": "A", "tags": {nested(63)}}}]', "is nested more than 64 levels deep"),
    "nesting 900 levels": (f'[{{"name": "A", "tags": {nested(898)}}}]', "is nested more than 64 levels deep"),
    "NUL in a name": ('[{"name": "Data\\u0000"}]', "item 1, field “name” contains a NUL character"),
}


@pytest.mark.parametrize("name", list(ACADEMY_REFUSALS))
def test_academy_upload_refuses_unstorable_json_naming_the_field(client, attempt, name):
    content, message = ACADEMY_REFUSALS[name]
    client.login("staff")
    before = snapshot()
    response = upload_catalog(client, content.encode())
    assert response.status_code == 400, response.status_code
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_academy_upload_item_limit_at_the_boundary_and_one_past(client, attempt, app, monkeypatch):
    monkeypatch.setitem(app.config, "JSON_MAX_ITEMS", 3)
    client.login("staff")
    items = [{"name": f"Academy {i}"} for i in range(4)]
    assert upload_catalog(client, json.dumps(items[:3]).encode()).status_code == 302
    before = snapshot()
    response = upload_catalog(client, json.dumps({"results": items}).encode())
    assert response.status_code == 400
    assert "catalog.json has more than 3 items. Split it and upload the parts." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_json_upload_with_more_values_than_a_worker_should_parse_is_refused_before_parsing(client, attempt):
    client.login("staff")
    response = upload_catalog(client, b"[" + b"{}," * 1_000_000 + b"{}]")
    assert response.status_code == 400
    assert "catalog.json holds more than 1,000,000 JSON values: split it and upload the parts." in (
        response.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    "content",
    [b"[" + b"0," * 1_000_000 + b"0]", b"[" * 1_000_001 + b"]" * 1_000_001],
    ids=["1,000,001 bare values", "1,000,001 nested lists"],
)
def test_a_replay_upload_with_more_values_than_a_worker_should_parse_is_refused_before_a_job_is_queued(
    client, attempt, monkeypatch, content
):
    def no_job(*args, **kwargs):
        raise AssertionError("a job was created for an input refused as too large")

    monkeypatch.setattr("webapp.services.jobs.submit.store.create_job", no_job)
    client.login("staff")
    before = snapshot()
    response = upload_replay(client, content)
    assert response.status_code == 400
    assert "payloads.json holds more than 1,000,000 JSON values: split it and upload the parts." in (
        response.get_data(as_text=True)
    )
    assert snapshot() == before


# ------------------------------------------------------------------------------------------------ data load

SPEC_REFUSALS = {
    "integer beyond 64 bits": (
        f"academies:\n  - {{name: A, display_order: {HUGE}}}\n",
        "spec.yaml: cannot be stored: field “academies[0].display_order” holds the number 18446744073709551616, "
        "too large to store (integers must fit in 64 bits).",
    ),
    "NUL in a string": (
        'users:\n  - {username: "a\\0b", email: a@example.com}\n',
        "spec.yaml: cannot be stored: field “users[0].username” contains a NUL character (\\x00)",
    ),
}


@pytest.mark.parametrize("name", list(SPEC_REFUSALS))
def test_data_load_refuses_unstorable_values_naming_the_field_with_exit_1(runner, tmp_path, name):
    text, message = SPEC_REFUSALS[name]
    before = snapshot()
    result = runner.invoke(args=["data", "load", str(write(tmp_path, "spec.yaml", text))])
    assert result.exit_code == 1, (result.output, result.exception)
    assert message in result.output and "Traceback" not in result.output
    assert snapshot() == before
