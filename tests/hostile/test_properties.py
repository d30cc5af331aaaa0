"""Property-based tests: the catalog normaliser and the callback parser take anything and either
return a well-formed result or refuse cleanly (a ServiceError), never another exception."""

from __future__ import annotations

import json
import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.services.academy_normalise import Rejected, normalise
from webapp.services.catalog import CatalogError, academies_from
from webapp.services.errors import ServiceError
from webapp.services.proctoring.payload import PayloadError, ReviewPayload, parse_body, validate

# A callback refusal names the field at fault, or says what the whole body is.
FIELD = re.compile(r"^Field ([\w.\[\]]+)[ :]")
REFUSAL = re.compile(
    r"^(Field [\w.\[\]]+[ :]|The body must be a JSON object, not (a |an )?\w+\.$|The body contains a NUL)"
)
BODY_REFUSAL = re.compile(
    r"^The body (is not UTF-8 text|is not valid JSON|is empty: expected JSON\.$|cannot be stored: )"
)

CATALOG_KEYS = [
    "name",
    "title",
    "short_name",
    "slug",
    "product_key",
    "long_name",
    "description",
    "summary",
    "marketing_url",
    "url",
    "thumbnail_url",
    "image_url",
    "tags",
    "stripe_product_id",
    "stripe_price_lookup_key",
    "metadata",
    "is_active",
    "display_order",
    "catalog_query_uuid",
    "catalog_query_id",
    "catalog_queries",
    "rendered",
    "id",
    "uuid",
]
CALLBACK_KEYS = [
    "examMetaData",
    "examCode",
    "ssiRecordLocator",
    "reviewStatus",
    "videoReviewLink",
    "webCamComments",
    "desktopComments",
    "eventStart",
    "eventFinish",
    "duration",
    "comments",
    "eventStatus",
    "reviewed_by",
    "userPhotoBase64String",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["Clean", "Suspicious", "Rules Violation", "Not Reviewed", str(uuid.uuid4()), "  ", "Data & AI"])
)


def json_values(keys: list[str]):
    return st.recursive(
        SCALARS,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), children, max_size=6)
        ),
        max_leaves=25,
    )


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-?$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values(CATALOG_KEYS))
def test_normalise_returns_an_academy_or_a_reason_for_anything(item):
    result = normalise(item)
    if isinstance(result, Rejected):
        return
    assert isinstance(result["name"], str) and result["name"].strip()
    assert SLUG.match(result["slug"]) and SLUG.match(result["product_key"])
    assert isinstance(result["stripe_price_lookup_key"], str) and result["stripe_price_lookup_key"]
    assert result["catalog_query_uuid"] is None or UUID.match(result["catalog_query_uuid"])
    assert isinstance(result["is_active"], bool) and isinstance(result["display_order"], int)
    assert all(isinstance(tag, str) for tag in result["tags"])


@settings(max_examples=200, deadline=None)
@given(json_values(CATALOG_KEYS))
def test_any_catalog_payload_gives_a_list_or_a_clean_refusal(payload):
    # exactly the payloads that are neither a list nor an object are refused, with this message
    if isinstance(payload, list | dict):
        assert isinstance(academies_from(payload, "the catalog"), list)
        return
    try:
        academies_from(payload, "the catalog")
    except CatalogError as error:
        assert str(error) == (
            "the catalog answered JSON of the wrong shape: expected a list of academies or an object with a list "
            f"under results, items, academies, catalogs, got {type(payload).__name__}."
        )
    else:
        raise AssertionError(f"{payload!r} was accepted")


@settings(max_examples=300, deadline=None)
@given(json_values(CALLBACK_KEYS))
def test_validate_accepts_a_payload_or_names_the_problem(data):
    try:
        payload = validate(data)
    except PayloadError as error:
        assert REFUSAL.match(str(error)), str(error)
        return
    assert isinstance(payload, ReviewPayload) and payload.attempt_code
    assert "userPhotoBase64String" not in payload.stored_raw and "videoReviewLink" not in payload.stored_raw


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | json_values(CALLBACK_KEYS).map(lambda v: json.dumps(v).encode()))
def test_parse_body_takes_any_bytes(body):
    try:
        parse_body(body)
    except ServiceError as error:
        assert error.status == 400 and (REFUSAL.match(str(error)) or BODY_REFUSAL.match(str(error))), str(error)


COMMENT = st.fixed_dictionaries(
    {
        "eventStart": SCALARS,
        "eventFinish": SCALARS,
        "duration": SCALARS,
        "comments": st.text(max_size=40) | SCALARS,
        "eventStatus": st.sampled_from(["Clean", "Suspicious", ""]) | SCALARS,
    }
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "examMetaData": st.fixed_dictionaries(
                {"examCode": st.text(min_size=1, max_size=40), "ssiRecordLocator": st.text(min_size=1, max_size=20)}
            ),
            "reviewStatus": st.sampled_from(["Clean", "Rules Violation", "Suspicious", "Not Reviewed", "clean", "Meh"]),
            "videoReviewLink": st.sampled_from(["https://p.example/v", "http://p.example/v", "javascript:x", ""]),
            "webCamComments": st.lists(COMMENT, max_size=3),
            "desktopComments": st.lists(COMMENT, max_size=3),
        }
    )
)
def test_well_shaped_payloads_with_hostile_values(data):
    try:
        payload = validate(data)
    except PayloadError as error:
        # the refusal names the field at fault, and that field holds a value the parser cannot take
        if "\\u0000" in json.dumps(data):  # a NUL anywhere: the whole body is refused first
            assert str(error) == "The body contains a NUL character (\\u0000), which cannot be stored."
            return
        field = FIELD.match(str(error))
        assert field, str(error)
        if field.group(1).startswith("examMetaData."):  # only a blank (whitespace) code or locator is refused
            name = field.group(1).split(".")[1]
            assert data["examMetaData"][name].strip() == "" and str(error).endswith("must not be empty."), str(error)
            return
        assert field.group(1).split("[")[0].split(".")[0] in {
            "reviewStatus",
            "videoReviewLink",
            "webCamComments",
            "desktopComments",
        }
        return
    assert payload.provider_status.value == data["reviewStatus"]
    assert len(payload.comments) == len(data["webCamComments"]) + len(data["desktopComments"])
    assert not payload.video_link or payload.video_link.startswith(("http://", "https://"))
