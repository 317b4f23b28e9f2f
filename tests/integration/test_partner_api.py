"""The centre's partner routes over HTTP (api/centre_partners.py), served on loopback over a real database with
personal data sealed, driven by the toy kind (tests/support/toy_partner.py): an opening action (201, Location,
ETag, Idempotency-Key replays), a record shown masked with its history, due dates and messages, actions under
If-Match (stale → 412, illegal → 409 naming the status and the events allowed), every refusal naming the field and
the rule with nothing stored, unknown kinds and actions (404 naming the known ones), the list's filters and cursor
pages, roles, and one schema per action in the OpenAPI document. SQLite, and PostgreSQL for the main path."""

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapter.config.settings import EncryptionSettings
from api.problems import MAX_ERRORS
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.partner_world import PARTNER
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]
BASE = "/api/centre/v1/partners"
FILE = f"{BASE}/traffic/actions/file"
PHONE = "13812345678"


def filing(subject: str = "JT-0001", amount: str = "120.50", **changes: Any) -> dict[str, Any]:
    return {"subject": subject, "amount": amount, "holder_id": RESIDENT_ID, "phone": PHONE, **changes}


@pytest.fixture
def api(database_url: str, encryption: EncryptionSettings, tmp_path: Path) -> Iterator[PartnerServed]:
    with partner_api(database_url, encryption, tmp_path) as served:
        yield served


def _count(api: PartnerServed) -> int:
    answer = api.centre.get(f"{BASE}/records")
    assert answer.status_code == 200, answer.text
    return len(answer.json()["items"])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_record_is_opened_acted_on_under_its_etag_and_shown_masked(api: PartnerServed) -> None:
    opened = api.centre.post(FILE, filing(), key="open-1")
    assert opened.status_code == 201, opened.text
    body = opened.json()
    rid = body["record_id"]
    assert rid.startswith("TR-") and body["status"] == "OPEN" and body["partner"] == PARTNER
    assert opened.headers["Location"] == f"{BASE}/records/{rid}" and opened.headers["ETag"] == '"v1"' == body["etag"]
    again = api.centre.post(FILE, filing(), key="open-1")  # a retry: the first answer, nothing new
    assert again.status_code == 201 and again.json() == body and again.headers["Idempotent-Replayed"] == "true"
    assert _count(api) == 1

    shown = api.centre.get(f"{BASE}/records/{rid}")
    assert shown.status_code == 200 and shown.headers["ETag"] == '"v1"'
    doc = shown.json()
    assert RESIDENT_ID not in shown.text and PHONE not in shown.text  # facts and history masked
    assert doc["facts"]["holder"]["id_number"].startswith(RESIDENT_ID[:6]) and "*" in doc["facts"]["holder"]["phone"]
    assert [(h["note"], h["actor"]) for h in doc["history"]] == [("filed", "api:centre")]
    assert [(m["type"], m["status"]) for m in doc["messages"]] == [("toy.request", "pending")]
    (due,) = doc["due_dates"]
    assert (due["name"], due["state"], due["counting"]) == ("answer", "open", "working") and "+08:00" in due["due_at"]
    closes = datetime.fromisoformat(due["due_at"])  # the instant stays; people read the day before it (issue 19)
    assert closes.time() == time(0) and due["last_day"] == (closes.date() - timedelta(days=1)).isoformat()
    assert doc["allowed_events"] == ["accept", "decline"] and doc["actions"] == ["accept"]

    url = f"{BASE}/records/{rid}/actions/accept"
    stale = api.centre.post(url, {"note": "ok"}, headers={"If-Match": '"v0"'})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"v1"' and stale.headers["ETag"] == '"v1"'
    done = api.centre.post(url, {"note": "ok"}, headers={"If-Match": '"v1"'})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ACCEPTED" and done.headers["ETag"] == '"v2"'
    twice = api.centre.post(url, {"note": "again"})
    problem = twice.json()
    assert twice.status_code == 409
    assert (problem["current_state"], problem["allowed_events"]) == ("ACCEPTED", ["finish"])
    assert api.centre.get(f"{BASE}/records/{rid}").headers["ETag"] == '"v2"'  # refused: nothing written


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        (filing(amount="5000.00"), "body.amount", "cap"),  # the kind's guard: above rules.cap
        ({k: v for k, v in filing().items() if k != "holder_id"}, "body.holder_id", "missing"),
        (filing(amount="lots"), "body.amount", "decimal_parsing"),
        (filing(subject=""), "body.subject", "string_too_short"),
    ],
)
def test_a_bad_input_is_refused_naming_its_field_and_rule_and_nothing_is_stored(
    api: PartnerServed, data: dict[str, Any], field: str, rule: str
) -> None:
    answer = api.centre.post(FILE, data)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert (error["field"], error["rule"]) == (field, rule)
    assert RESIDENT_ID not in answer.text
    assert _count(api) == 0


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        (f"{BASE}/shipping/actions/file", 404, "traffic"),  # an unknown kind names the known ones
        (f"{BASE}/traffic/actions/fly", 404, "file"),  # an unknown opening action names the known ones
        (f"{BASE}/traffic/actions/accept", 404, "file"),  # accept acts on a record: not an opening action
        (f"{BASE}/records/TR-0000000000000000000/actions/accept", 404, "TR-0000000000000000000"),
        (f"{FILE}?partner=elsewhere", 422, PARTNER),  # a partner not configured: the configured ones named
    ],
)
def test_unknown_kinds_actions_records_and_partners_are_refused_by_name(
    api: PartnerServed, path: str, status: int, named: str
) -> None:
    answer = api.centre.post(path, filing())
    assert answer.status_code == status, answer.text
    assert named in answer.text
    assert _count(api) == 0


def test_an_unknown_action_on_a_record_names_the_kinds_actions(api: PartnerServed) -> None:
    rid = api.centre.post(FILE, filing()).json()["record_id"]
    answer = api.centre.post(f"{BASE}/records/{rid}/actions/fly", {})
    assert answer.status_code == 404 and answer.json()["known_actions"] == ["accept"]
    bad = api.centre.post(f"{BASE}/records/{rid}/actions/accept", ["not", "an", "object"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body"


def test_the_list_filters_and_pages_by_cursor_with_list_columns_only(api: PartnerServed) -> None:
    ids = [api.centre.post(FILE, filing(subject=f"JT-{n}")).json()["record_id"] for n in range(3)]
    api.centre.post(f"{BASE}/records/{ids[1]}/actions/accept", {})
    first = api.centre.get(f"{BASE}/records", params={"kind": "traffic", "limit": 2}).json()
    assert [r["record_id"] for r in first["items"]] == ids[:2] and "facts" not in first["items"][0]
    rest = api.centre.get(f"{BASE}/records", params={"kind": "traffic", "limit": 2, "cursor": first["next_cursor"]})
    assert [r["record_id"] for r in rest.json()["items"]] == ids[2:] and rest.json()["next_cursor"] is None
    accepted = api.centre.get(f"{BASE}/records", params={"status": "ACCEPTED", "partner": PARTNER}).json()
    assert [r["record_id"] for r in accepted["items"]] == [ids[1]]
    other = api.centre.get(f"{BASE}/records", params={"status": "OPEN", "cursor": first["next_cursor"]})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "query.cursor"
    assert api.centre.get(f"{BASE}/records", params={"kind": "shipping"}).status_code == 422
    assert api.centre.get(f"{BASE}/records/TR-nothing").status_code == 404


def test_only_the_centre_and_admin_use_the_partner_routes(api: PartnerServed) -> None:
    assert api.as_role("admin").get(f"{BASE}/records").status_code == 200
    for role in ("ops", f"partner:{PARTNER}"):
        assert api.as_role(role).get(f"{BASE}/records").status_code == 403
        assert api.as_role(role).post(FILE, filing()).status_code == 403
    assert _count(api) == 0


def test_the_openapi_document_shows_each_actions_input(api: PartnerServed) -> None:
    doc = api.centre.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["PartnerAction.traffic.file"]["required"]) == {"subject", "amount", "holder_id"}
    assert "note" in schemas["PartnerAction.traffic.accept"]["properties"]
    body = doc["paths"][f"{BASE}/{{kind}}/actions/{{action}}"]["post"]["requestBody"]
    one_of = body["content"]["application/json"]["schema"][
        "oneOf"
    ]  # every kind's opening actions, the toy's among them
    assert {"$ref": "#/components/schemas/PartnerAction.traffic.file"} in one_of
    assert all(ref["$ref"].removeprefix("#/components/schemas/") in schemas for ref in one_of)


def test_a_body_of_too_many_items_is_refused_before_it_is_read(api: PartnerServed) -> None:
    """The partner actions read their bodies themselves: the same 10,000-item bound as every centre body (a
    million items once listed every error of each), and a body of many wrong items lists 50 errors, not all."""
    many = api.centre.post(FILE, {"parties": [{}] * 20_000})
    assert many.status_code == 422 and many.json()["errors"][0]["rule"] == "too_many_items", many.text[:300]
    wrong = api.centre.post(FILE, {"parties": [{"name": 1, "role": 2, "phone": 3}] * 2_000})
    assert wrong.status_code == 422 and len(wrong.json()["errors"]) <= MAX_ERRORS + 1, len(wrong.text)
    assert _count(api) == 0
