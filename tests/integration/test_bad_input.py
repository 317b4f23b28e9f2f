"""Bad input from a platform is refused with a reason, kept byte for byte, and changes no case."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow, QuarantineRow
from adapter.platforms.signers import build_signer
from adapter.states import CaseStatus
from sandbox.court import CourtCore
from sandbox.rest import SandboxServer
from scheduler import Runtime, build_runtime
from signing.jws import JwsSigner
from tests.support.court import COURT_KID, Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every test here that touches the adapter's database runs on SQLite and on PostgreSQL."""
    return str(request.param)


def _quarantine(runtime: Runtime) -> list[QuarantineRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(QuarantineRow)).all())


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.uow.begin() as session:
        return (
            len(session.exec(select(CaseRow)).all()),
            len(session.exec(select(CaseEventRow)).all()),
            len(session.exec(select(InboxRow)).all()),
        )


def _dispatch_body(court: Court) -> str:
    """A genuine dispatch body taken from the court's feed, to be altered by each test."""
    court.core.dispatch(1, "01")
    page = court.core.feed("dispatches", 0, 100)
    body: str = page["items"][-1]["body"]
    court.core._feeds["dispatches"].pop()  # the test publishes its own variant instead
    return body


def test_a_dispatch_with_a_bad_signature_is_quarantined_and_creates_no_case(runtime: Runtime, court: Court) -> None:
    """Signed by a key that is not the court's: quarantined as bad_signature, exact bytes kept."""
    body = _dispatch_body(court)
    stranger = JwsSigner(Ed25519PrivateKey.generate(), COURT_KID)  # the court's key id, someone else's key
    court.core.inject("dispatches", body, stranger.sign(body.encode(), message_id="PQ-x", at=datetime.now(UTC)))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "bad_signature" and row.raw == body.encode() and row.feed == "dispatches"
    assert _counts(runtime) == (0, 0, 0)


def test_an_unsigned_dispatch_is_quarantined(runtime: Runtime, court: Court) -> None:
    """No key id and no signature: quarantined as unsigned."""
    court.core.inject("dispatches", _dispatch_body(court))
    pump(runtime, 1)
    assert [q.reason for q in _quarantine(runtime)] == ["unsigned"]
    assert _counts(runtime) == (0, 0, 0)


def test_a_signature_by_an_unknown_key_id_is_quarantined(runtime: Runtime, court: Court) -> None:
    """A key id the adapter was not given is refused even if the signature itself is fine."""
    body = _dispatch_body(court)
    headers = JwsSigner(Ed25519PrivateKey.generate(), "court-unknown").sign(
        body.encode(), message_id="PQ-x", at=datetime.now(UTC)
    )
    court.core.inject("dispatches", body, headers)
    pump(runtime, 1)
    assert [q.reason for q in _quarantine(runtime)] == ["unknown_key"]


def test_malformed_json_from_the_platform_is_quarantined(runtime: Runtime, court: Court) -> None:
    """Authentic but not JSON: quarantined as malformed, with the parser's complaint."""
    body = '{"xxbh": "PQ-1", "xxlx": "PQ", '
    court.core.inject("dispatches", body, court.core.sign_item(body, "M-x"))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "malformed" and "JSON" in row.detail and row.raw == body.encode()
    assert _counts(runtime) == (0, 0, 0)


def test_an_unknown_flow_code_is_quarantined_not_defaulted(runtime: Runtime, court: Court) -> None:
    """A code the platform's table lacks names the table, field and value, and no case is made."""
    doc = json.loads(_dispatch_body(court))
    doc["ajxx"]["tjlx"] = "09"
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, "M-x"))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "unknown_code" and "'flow'" in row.detail and "'09'" in row.detail
    assert _counts(runtime) == (0, 0, 0)


def test_an_invalid_field_value_is_quarantined_naming_the_field(runtime: Runtime, court: Court) -> None:
    """An amount with three decimals is refused by the canonical schema, which names the field."""
    doc = json.loads(_dispatch_body(court))
    doc["ajxx"]["bdje"] = "100.123"
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, "M-x"))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "invalid" and "amount" in row.detail


def test_a_decision_for_an_unknown_case_is_quarantined(runtime: Runtime, court: Court) -> None:
    """A JC ruling about a case the adapter never saw changes nothing and is kept for inspection."""
    body = json.dumps(
        {
            "xxbh": "CD-x",
            "xxlx": "CD",
            "fssj": "2026-11-23T10:00:00+08:00",
            "ajbs": "no-such-case",
            "jdxx": {"jdlx": "1", "sqjg": "1", "jdsj": "2026-11-23T10:00:00+08:00"},
        }
    )
    court.core.inject("decisions", body, court.core.sign_item(body, json.loads(body)["xxbh"]))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "unknown_case" and row.message_id == "CD-x" and row.feed == "decisions"
    assert _counts(runtime) == (0, 0, 0)


def test_a_decision_the_case_status_does_not_allow_is_quarantined_and_the_case_unchanged(
    runtime: Runtime, court: Court
) -> None:
    """A JC ruling for a case still pending acceptance is refused as an illegal transition."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    before = _counts(runtime)
    body = json.dumps(
        {
            "xxbh": "CD-early",
            "xxlx": "CD",
            "fssj": "2026-11-23T10:00:00+08:00",
            "ajbs": ajbs,
            "jdxx": {"jdlx": "1", "sqjg": "1", "jdsj": "2026-11-23T10:00:00+08:00"},
        }
    )
    court.core.inject("decisions", body, court.core.sign_item(body, json.loads(body)["xxbh"]))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "illegal_transition" and "PENDING_ACCEPTANCE" in row.detail
    assert case_for(runtime, ajbs).status == CaseStatus.PENDING_ACCEPTANCE
    assert _counts(runtime) == before


def test_a_redelivered_message_is_applied_once(runtime: Runtime, court: Court) -> None:
    """The same signed dispatch published twice creates one case; the second copy is dropped."""
    (ajbs,) = court.core.dispatch(1, "01")
    item = court.core.feed("dispatches", 0, 10)["items"][0]
    court.core.inject("dispatches", item["body"], item["headers"])
    pump(runtime, 2)
    assert _counts(runtime)[0] == 1 and _counts(runtime)[2] == 1
    assert runtime.metrics.get("inbound_duplicate") == 1 and runtime.metrics.get("inbound_applied") == 1
    assert _quarantine(runtime) == []
    assert case_for(runtime, ajbs).status == CaseStatus.PENDING_ACCEPTANCE


def test_a_bad_item_between_good_ones_does_not_hold_up_the_feed(runtime: Runtime, court: Court) -> None:
    """Quarantine is per message: the dispatches before and after a bad one are applied."""
    court.core.dispatch(1, "01")
    court.core.inject("dispatches", "not json at all", court.core.sign_item("not json at all", "M-x"))
    court.core.dispatch(1, "02")
    pump(runtime, 1)
    assert _counts(runtime)[0] == 2 and len(_quarantine(runtime)) == 1


def test_misshapen_feed_items_are_quarantined_and_the_feed_moves_on(runtime: Runtime, court: Court) -> None:
    """A non-object item and an item without seq or body are kept in quarantine; the good item is applied."""
    court.core.dispatch(1, "01")
    good = court.core.feed("dispatches", 0, 10)["items"][0]
    page = {"items": ["just a string", {"kid": "x"}, good], "next_cursor": 3}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, re.compile(r".*/api/v1/feeds/dispatches.*"), json=page)
        mock.add(responses.GET, re.compile(r".*/api/v1/feeds/decisions.*"), json={"items": [], "next_cursor": 0})
        runtime.poll_platform("court")
    assert sorted(q.reason for q in _quarantine(runtime)) == ["unsigned", "unsigned"]
    assert _counts(runtime)[0] == 1


def test_a_dispatch_signed_with_a_revoked_court_key_is_quarantined(court: Court, settings: Settings) -> None:
    """Once the court's key is listed as revoked, what it signs is refused as revoked_key and kept."""
    signing = court.signing.model_copy(update={"revoked_court_keys": [COURT_KID]})
    platform = settings.platforms["court"].model_copy(update={"signing": signing})
    runtime = build_runtime(settings.model_copy(update={"platforms": {"court": platform}}))
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    assert [q.reason for q in _quarantine(runtime)] == ["revoked_key"]
    assert _counts(runtime) == (0, 0, 0) and runtime.metrics.get("inbound_quarantined") == 1


@pytest.mark.parametrize(("shift", "reason"), [(timedelta(0), "replayed"), (timedelta(minutes=-10), "stale")])
def test_the_court_refuses_a_replayed_or_stale_request(court: Court, shift: timedelta, reason: str) -> None:
    """A captured signed request sent again, or one signed ten minutes ago, gets 401 with the reason."""
    (ajbs,) = court.core.dispatch(1, "01")
    target = "/api/v1/cases/status"
    body = json.dumps({"ajbs": [ajbs]}).encode()
    headers = dict(
        build_signer(court.signing, platform="court").sign(
            body, message_id="nonce-1", at=datetime.now(UTC) + shift, target=f"POST {court.server.url}{target}"
        )
    )
    first = requests.post(court.server.url + target, data=body, headers=headers, timeout=5)
    second = requests.post(court.server.url + target, data=body, headers=headers, timeout=5)
    answers = [first.status_code, second.status_code]
    assert answers == ([200, 401] if reason == "replayed" else [401, 401])
    assert reason in second.json()["message"] and court.core.signature_failures.get(reason)


def test_a_request_signed_for_one_court_is_refused_by_another_trusting_the_same_key(court: Court) -> None:
    """The signed target is the full URL: court B refuses a feed read signed for court A, same centre key."""
    court_b = CourtCore(court.core.config, court.core._signer, court.core._verifier)  # trusts the same centre key
    court_b.dispatch(1, "01")
    server_b = SandboxServer(court_b).start()
    try:
        path = "/api/v1/feeds/dispatches?cursor=0&limit=10"
        signer = build_signer(court.signing, platform="court")
        headers = dict(signer.sign(b"", message_id="n-a", at=datetime.now(UTC), target=f"GET {court.server.url}{path}"))
        assert requests.get(court.server.url + path, headers=headers, timeout=5).status_code == 200
        stolen = requests.get(server_b.url + path, headers=headers, timeout=5)
        assert stolen.status_code == 401 and "bad_signature" in stolen.json()["message"]
    finally:
        server_b.stop()


def test_a_feed_item_signed_for_another_message_id_is_quarantined(runtime: Runtime, court: Court) -> None:
    """An authentic signature made for message A cannot carry message B: bad_signature, nothing applied."""
    body = _dispatch_body(court)
    court.core.inject("dispatches", body, court.core.sign_item(body, "PQ-some-other-message"))
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "bad_signature" and "PQ-some-other-message" in row.detail
    assert _counts(runtime) == (0, 0, 0)


def test_a_feed_item_signed_long_ago_is_quarantined_as_stale(runtime: Runtime, court: Court) -> None:
    """A court-signed dispatch dated 2019 (a replayed archive) is past the feed's maximum age."""
    body = _dispatch_body(court)
    old = court.core._signer.sign(
        body.encode(), message_id=json.loads(body)["xxbh"], at=datetime(2019, 1, 1, tzinfo=UTC)
    )
    court.core.inject("dispatches", body, old)
    pump(runtime, 1)
    assert [q.reason for q in _quarantine(runtime)] == ["stale"]
    assert _counts(runtime) == (0, 0, 0)


def test_the_court_refuses_an_idempotency_key_that_names_another_message(court: Court) -> None:
    """The unsigned Idempotency-Key header must name the signed body's message."""
    (ajbs,) = court.core.dispatch(1, "01")
    body = json.dumps({"xxbh": "M-1", "xxlx": "JZ", "ajbs": ajbs, "nr": {"jzlx": "01"}}).encode()
    url = court.server.url + "/api/v1/messages"
    headers = dict(
        build_signer(court.signing, platform="court").sign(
            body, message_id="n-1", at=datetime.now(UTC), target=f"POST {url}"
        )
    )
    headers["Idempotency-Key"] = "M-2"
    answer = requests.post(url, data=body, headers=headers, timeout=5)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["message"]
    assert court.core.cases[ajbs].status == "10"


def test_a_dispatch_with_a_wrong_id_check_digit_is_quarantined_naming_the_field(runtime: Runtime, court: Court) -> None:
    """A court-signed dispatch whose resident ID fails GB 11643: quarantined as invalid, the reason says which
    field and rule, nothing is applied."""
    (ajbs,) = court.core.dispatch(1, "01")
    item = court.core._feeds["dispatches"][-1]
    doc = json.loads(item.body)
    person = doc["ajxx"]["dsr"][1]
    person["zjhm"] = person["zjhm"][:-1] + ("0" if person["zjhm"][-1] != "0" else "1")
    doc["xxbh"] = f"PQ-bad-{ajbs}"
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, doc["xxbh"]))
    court.core._feeds["dispatches"].remove(item)
    pump(runtime, 1)
    with runtime.uow.begin() as session:
        (row,) = session.exec(select(QuarantineRow)).all()
        assert session.exec(select(CaseRow)).all() == []
    assert row.reason == "invalid" and "id_number" in row.detail and "check character is wrong" in row.detail
    assert person["zjhm"] not in row.detail  # the reason never repeats the number itself
