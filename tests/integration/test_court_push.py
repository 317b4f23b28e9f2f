"""A court that pushes (mode = "push"): its dispatches and rulings POSTed to the adapter's push intake by the
sandbox's pushing court, taken in through the one ingest path, answered with a signed receipt; every bad request
refused with its reason and kept in quarantine, no case changed. On SQLite and on PostgreSQL."""

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.inbox.quarantine import split_headers
from adapter.persistence.tables import AuditRow, CaseRow, OutboxRow, QuarantineRow
from adapter.states import CaseStatus
from sandbox.push import PushCourt
from scheduler import Runtime
from signing.jws import HEADER
from signing.keyfiles import generate_keypair, load_private_key
from signing.profiles import key_signer
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement, case_for, status_of

pytestmark = pytest.mark.integration

MAX = 4096


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    platform = court.pairing.platform(court.server, timeout_seconds=5, mode="push", push_max_bytes=MAX)
    return Settings(database_url=database_url, encryption=encryption, platforms={PLATFORM: platform})


@pytest.fixture
def pusher(court: Court, api_base: str, api_keys: dict[str, str]) -> PushCourt:
    return PushCourt(court.core, api_base, api_keys["court:court"], platform=PLATFORM)


def _counts(runtime: Runtime) -> tuple[int, int, list[str]]:
    with runtime.uow.begin() as session:
        cases = session.exec(select(func.count()).select_from(CaseRow)).one()
        kept = session.exec(select(func.count()).select_from(QuarantineRow)).one()
        statuses = sorted(session.exec(select(CaseRow.status)).all())
    return int(cases), int(kept), [str(s) for s in statuses]


def _post(pusher: PushCourt, feed: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    headers = {**headers, "Authorization": f"Bearer {pusher.api_key}", "Content-Type": "application/json"}
    return requests.post(pusher.endpoint(feed), data=body, headers=headers, timeout=30)


def _dispatch_body(court: Court) -> tuple[str, str]:
    """A new dispatch published by the court but not pushed: its body and message id."""
    (ajbs,) = court.core.dispatch(1, "01")
    page = court.core.feed("dispatches", 0, 500)
    body = next(i["body"] for i in page["items"] if ajbs in i["body"])
    return body, str(json.loads(body)["xxbh"])


def _deliver(runtime: Runtime) -> None:
    for _ in range(3):
        runtime.poll_platform(PLATFORM)  # a push platform is never polled: a no-op
        runtime.deliver()


def test_flow_a_end_to_end_through_a_pushing_court(
    runtime: Runtime, court: Court, centre: Api, pusher: PushCourt
) -> None:
    """Dispatch pushed → accepted over the centre API → agreement → JC application → the ruling pushed."""
    (ajbs,) = court.core.dispatch(1, "01")
    assert pusher.push_once() == 1
    receipt = pusher.receipts[-1]
    assert receipt["result"] == "accepted" and receipt["status"] == 200
    case_id = case_for(runtime, ajbs).id
    assert receipt["case_id"] == case_id
    assert centre.ok(case_id, "accept")["status"] == "ACCEPTED"
    assert centre.ok(case_id, "mediator", {"mediator": "陈调解员"})["status"] == "MEDIATOR_ASSIGNED"
    assert centre.ok(case_id, "sessions", {"note": "第一次调解"})["status"] == "IN_MEDIATION"
    files = {"document": ("agreement.pdf", DOCUMENT, "application/pdf")}
    answer = centre.ok(case_id, "agreement", data={"agreement": agreement().model_dump_json()}, files=files)
    assert answer["status"] == "AGREEMENT_EFFECTIVE"
    first, second = centre.get(f"/api/centre/v1/cases/{case_id}").json()["parties"][:2]
    parties = {"applicant": first["name"], "consenting_party": second["name"]}
    assert centre.ok(case_id, "jc", parties)["status"] == "JC_APPLIED"
    _deliver(runtime)
    assert pusher.push_once() == 1 + 5  # the court's ruling, pushed; then its receipts of our five messages
    ruling, *receipts = pusher.receipts[-6:]
    assert ruling["result"] == "accepted" and ruling["case_id"] == case_id
    assert [r["result"] for r in receipts] == ["accepted"] * 5 and {r["case_id"] for r in receipts} == {case_id}
    assert status_of(runtime, case_id) == CaseStatus.JC_CONFIRMED
    assert court.core.status([ajbs])[ajbs] == "61"
    with runtime.uow.begin() as session:
        said = session.exec(select(AuditRow.subject).where(AuditRow.action == "court-receipt")).all()
        sent = session.exec(select(OutboxRow.message_id, OutboxRow.status).where(OutboxRow.case_id == case_id)).all()
    assert sorted(said) == sorted(m for m, _ in sent) and {s for _, s in sent} == {"delivered"}


def test_a_receipt_is_signed_by_us_and_a_retry_after_a_lost_answer_is_a_duplicate(
    runtime: Runtime, court: Court, pusher: PushCourt
) -> None:
    body, message_id = _dispatch_body(court)
    first = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
    assert first.status_code == 200 and first.json()["result"] == "accepted"
    # the receipt is signed by our signer for the platform: the court verifies it as it verifies our requests
    court.core._verifier.verify(first.content, dict(first.headers))
    before = _counts(runtime)
    # the answer was lost: the court tries again, signed afresh, and is told it already has it
    again = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
    assert again.status_code == 200, again.text
    assert again.json()["result"] == "duplicate" and again.json()["first_result"] == "accepted"
    assert again.json()["case_id"] == first.json()["case_id"]
    # a byte-for-byte replay of the first request: the same answer
    replay = _post(pusher, "dispatches", body.encode(), {HEADER: first.request.headers[HEADER]})
    assert replay.json()["result"] == "duplicate"
    assert _counts(runtime) == before


def _refused(runtime: Runtime, answer: requests.Response, status: int, reason: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    receipt: dict[str, Any] = answer.json()
    assert receipt["result"] == "rejected" and receipt["reason"] == reason, receipt
    return receipt


def test_every_bad_push_is_refused_with_its_reason_and_kept(
    runtime: Runtime, court: Court, pusher: PushCourt, tmp_path: Path
) -> None:
    """Each bad request on its own item (the same bytes refused twice are kept once, as a feed's are)."""
    signer = court.core._signer
    now = datetime.now(UTC)
    generate_keypair(tmp_path, "stranger", "EdDSA")
    stranger = key_signer("jws-detached", load_private_key(tmp_path / "stranger.key"), "stranger")
    bad: list[tuple[str, bytes, dict[str, str], int, str]] = []
    body, message_id = _dispatch_body(court)
    tampered = body.replace("请求判令", "请求改判")
    bad.append(("tampered", tampered.encode(), court.core.sign_item(body, message_id), 422, "bad_signature"))
    body, message_id = _dispatch_body(court)
    wrong_key = stranger.sign(body.encode(), message_id=message_id, at=now)
    bad.append(("wrong key", body.encode(), dict(wrong_key), 422, "unknown_key"))
    body, message_id = _dispatch_body(court)
    stale = signer.sign(body.encode(), message_id=message_id, at=now - timedelta(hours=2))
    bad.append(("stale", body.encode(), dict(stale), 422, "stale"))
    body, message_id = _dispatch_body(court)
    ahead = signer.sign(body.encode(), message_id=message_id, at=now + timedelta(hours=2))
    bad.append(("future", body.encode(), dict(ahead), 422, "future"))
    body, message_id = _dispatch_body(court)
    header: dict[str, Any] = {"alg": "HS256", "b64": False, "crit": ["b64"], "kid": "court-test", "msgid": message_id}
    header["iat"] = int(now.timestamp())
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    bad.append(("alg-confused", body.encode(), {HEADER: f"{encoded}..AAAA"}, 422, "bad_algorithm"))
    body, message_id = _dispatch_body(court)
    bad.append(("unsigned", body.encode(), {}, 422, "unsigned"))
    garbage = b"{not json"
    bad.append(("malformed", garbage, dict(signer.sign(garbage, message_id="M-1", at=now)), 400, "malformed"))
    body, message_id = _dispatch_body(court)
    big = body.replace("广州市越秀区中山五路", "广州市" * MAX).encode()
    bad.append(("oversized", big, dict(signer.sign(big, message_id=message_id, at=now)), 413, "oversized"))
    for what, raw, headers, status, reason in bad:
        before = _counts(runtime)
        _refused(runtime, _post(pusher, "dispatches", raw, headers), status, reason)
        after = _counts(runtime)
        assert after[0] == before[0] == 0, f"{what}: no refused push may make or change a case"
        assert after[1] == before[1] + 1, f"{what}: its bytes are kept in quarantine"
        with runtime.uow.begin() as session:
            row = session.exec(select(QuarantineRow).order_by(QuarantineRow.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None and row.reason == reason and row.feed == "dispatches", what
        assert row.raw == raw[: MAX + 1], what
    # an authentic item is still taken in afterwards
    body, message_id = _dispatch_body(court)
    ok = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
    assert ok.json()["result"] == "accepted", ok.text


def test_the_same_id_with_another_body_is_refused(runtime: Runtime, court: Court, pusher: PushCourt) -> None:
    body, message_id = _dispatch_body(court)
    assert _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id)).status_code == 200
    before = _counts(runtime)
    other = body.replace("请求判令", "请求改判")
    answer = _post(pusher, "dispatches", other.encode(), court.core.sign_item(other, message_id))
    assert answer.status_code == 422 and answer.json()["result"] == "rejected", answer.text
    assert answer.json()["reason"] == "conflict"
    assert _counts(runtime)[0] == before[0] and _counts(runtime)[2] == before[2]
    assert _counts(runtime)[1] == before[1] + 1


def test_a_court_reaches_only_its_own_platforms_intake(
    runtime: Runtime, court: Court, pusher: PushCourt, api_keys: dict[str, str]
) -> None:
    """The intake serves the platform the court's key names: another court's key cannot push as this court."""
    body, message_id = _dispatch_body(court)
    headers = court.core.sign_item(body, message_id)
    other = PushCourt(court.core, pusher.url, api_keys["court:other"])
    assert _post(other, "dispatches", body.encode(), headers).status_code == 404  # a key for another platform
    centre = PushCourt(court.core, pusher.url, api_keys["centre"])
    assert _post(centre, "dispatches", body.encode(), headers).status_code == 403  # not a court
    nobody = requests.post(pusher.endpoint("dispatches"), data=body.encode(), headers=headers, timeout=30)
    assert nobody.status_code == 401  # the signature alone is not enough: the court's API key too
    assert _counts(runtime)[:2] == (0, 0)
    ok = _post(pusher, "dispatches", body.encode(), headers)  # the key AND the signature
    assert ok.status_code == 200 and ok.json()["result"] == "accepted"


def test_a_polled_platform_has_no_push_intake(runtime: Runtime, court: Court, pusher: PushCourt) -> None:
    """A platform left at mode = "poll" refuses pushes (409) and takes nothing in."""
    object.__setattr__(runtime.settings.platforms[PLATFORM], "mode", "poll")
    body, message_id = _dispatch_body(court)
    answer = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
    assert answer.status_code == 409 and answer.headers["Content-Type"] == "application/problem+json"
    assert _counts(runtime)[:2] == (0, 0)


def test_a_refused_id_answers_its_first_result_and_refuses_another_body(
    runtime: Runtime, court: Court, pusher: PushCourt
) -> None:
    """An authentic item the case store cannot take is refused and kept; pushed again it is refused again with its
    reason (a refusal never becomes a 2xx, #19); another body under its id within the window is refused as a replay
    (never applied)."""
    body, message_id = _dispatch_body(court)
    bad = body.replace('"tjlx": "01"', '"tjlx": "99"')
    assert bad != body
    first = _post(pusher, "dispatches", bad.encode(), court.core.sign_item(bad, message_id))
    assert first.status_code == 422 and first.json()["result"] == "rejected", first.text
    reason = first.json()["reason"]
    again = _post(pusher, "dispatches", bad.encode(), court.core.sign_item(bad, message_id))
    assert again.status_code == 422 and again.json()["result"] == "rejected", again.text
    assert again.json()["reason"] == reason
    other = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
    assert other.status_code == 422 and other.json()["reason"] == "replayed", other.text
    cases, kept, _ = _counts(runtime)
    assert (cases, kept) == (0, 2)


def test_bytes_refused_unsigned_then_signed_are_refused_for_their_own_reason(
    runtime: Runtime, court: Court, pusher: PushCourt
) -> None:
    """#19: the same bytes unsigned (422 unsigned), then signed but refused by the case store — 422 with the store's
    reason each time, never a 200 `duplicate` of the unsigned refusal; unsigned again: 422 unsigned."""
    body, message_id = _dispatch_body(court)
    bad = body.replace('"tjlx": "01"', '"tjlx": "99"').encode()
    unsigned = _post(pusher, "dispatches", bad, {})
    assert (unsigned.status_code, unsigned.json()["reason"]) == (422, "unsigned"), unsigned.text
    for _ in range(2):
        signed = _post(pusher, "dispatches", bad, court.core.sign_item(bad.decode(), message_id))
        assert signed.status_code == 422 and signed.json()["result"] == "rejected", signed.text
        assert signed.json()["reason"] not in ("unsigned", None) and signed.json()["first_result"] is None
    again = _post(pusher, "dispatches", bad, {})
    assert (again.status_code, again.json()["reason"]) == (422, "unsigned"), again.text
    assert _counts(runtime)[:2] == (0, 1)


def test_receipts_of_our_messages(runtime: Runtime, court: Court, centre: Api, pusher: PushCourt) -> None:
    """A receipt marks a message the court has as delivered (our send's answer lost); a receipt replayed is a
    duplicate; one naming no message of ours, or badly signed, is refused and kept."""
    (ajbs,) = court.core.dispatch(1, "01")
    pusher.push_once()
    case_id = case_for(runtime, ajbs).id
    centre.ok(case_id, "accept")  # its progress message waits in the outbox: not delivered yet
    with runtime.uow.begin() as session:
        (row,) = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id)).all()
    assert row.status == "pending"
    receipt = pusher.push_receipt(row.message_id)
    assert receipt is not None and receipt["result"] == "accepted" and receipt["case_id"] == case_id
    with runtime.uow.begin() as session:
        assert session.exec(select(OutboxRow.status).where(OutboxRow.id == row.id)).one() == "delivered"
    doc = json.dumps({"receipt_id": "RC-1", "message_id": row.message_id, "result": "applied"})
    headers = court.core.sign_item(doc, "RC-1")
    assert _post(pusher, "receipts", doc.encode(), headers).json()["result"] == "accepted"
    again = _post(pusher, "receipts", doc.encode(), headers)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    kept = _counts(runtime)[1]
    unknown = pusher.push_receipt("MSG-not-ours")
    assert unknown is not None and unknown["status"] == 422 and unknown["reason"] == "unknown_message"
    tampered = doc.replace("applied", "rejected")
    answer = _post(pusher, "receipts", tampered.encode(), court.core.sign_item(doc, "RC-2"))
    assert answer.status_code == 422 and answer.json()["reason"] == "bad_signature"
    assert _counts(runtime)[1] == kept + 2


def test_a_push_whose_answer_is_lost_after_its_commit_is_answered_duplicate(
    runtime: Runtime, court: Court, pusher: PushCourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The item is committed, then the answer fails (a 500 reaches the court): the court pushes it again at its
    next round and is told `duplicate` of the first result; the case was made once."""
    import api.court

    answer = api.court._receipt
    calls: list[int] = []

    def lost(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the connection dropped before the answer")
        return answer(*args, **kwargs)

    monkeypatch.setattr(api.court, "_receipt", lost)
    (ajbs,) = court.core.dispatch(1, "01")
    assert pusher.push_once() == 0 and pusher.receipts == []  # no answer: the court keeps the item
    case_id = case_for(runtime, ajbs).id  # yet it was committed before the answer
    for _ in range(3):  # the court's next rounds (the first may meet the dropped connection in its pool)
        if pusher.push_once():
            break
    assert pusher.receipts[-1]["result"] == "duplicate" and pusher.receipts[-1]["first_result"] == "accepted"
    assert pusher.receipts[-1]["case_id"] == case_id
    assert _counts(runtime)[:2] == (1, 0)


def test_the_same_push_twice_at_once_is_applied_once(runtime: Runtime, court: Court, pusher: PushCourt) -> None:
    body, message_id = _dispatch_body(court)
    results: list[str] = []

    def push() -> None:
        answer = _post(pusher, "dispatches", body.encode(), court.core.sign_item(body, message_id))
        results.append(answer.json()["result"])

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["accepted", "duplicate", "duplicate", "duplicate"], results
    assert _counts(runtime)[:2] == (1, 0)


CREDENTIALS = {
    "Cookie": "docking_console=SESSIONSECRET123",
    "X-Api-Key": "APIKEYSECRET",
    "Proxy-Authorization": "Basic cHJveHk6cHJveHlwYXNzd29yZA==",
    "X-Forwarded-Authorization": "Bearer dk_FORWARDEDSECRETKEY",
    "X-Auth-Token": "TOKENSECRET",
    "X-Goog-Api-Key": "GOOGSECRET",
    "apikey": "KONGSECRET",
    "X-Amz-Security-Token": "AMZSECRET",
    "X-Session-Id": "SESSIONID",
}


def test_a_refused_push_keeps_its_signature_headers_and_no_credential(
    runtime: Runtime, court: Court, pusher: PushCourt
) -> None:
    """The quarantine keeps what verifies the item, never the connection's credentials (nor the pusher's key)."""
    body, message_id = _dispatch_body(court)
    stale = dict(
        court.core._signer.sign(body.encode(), message_id=message_id, at=datetime.now(UTC) - timedelta(hours=2))
    )
    _refused(runtime, _post(pusher, "dispatches", body.encode(), {**stale, **CREDENTIALS}), 422, "stale")
    with runtime.uow.begin() as session:
        row = session.exec(select(QuarantineRow).order_by(QuarantineRow.id.desc())).first()  # type: ignore[union-attr]
    assert row is not None and row.headers_json is not None
    stored = {k.lower() for k in json.loads(row.headers_json)}
    assert {k.lower() for k in stale} <= stored  # the signature stays: reprocessing verifies it again
    assert not stored & {k.lower() for k in CREDENTIALS} and "authorization" not in stored, stored
    for secret in [*CREDENTIALS.values(), pusher.api_key]:
        assert secret not in row.headers_json


def test_a_row_kept_with_credentials_before_shows_none(runtime: Runtime, court: Court, pusher: PushCourt) -> None:
    """A row stored before credentials were dropped at intake: `split_headers` (console, CLI, reprocess) omits them."""
    body, message_id = _dispatch_body(court)
    stale = dict(
        court.core._signer.sign(body.encode(), message_id=message_id, at=datetime.now(UTC) - timedelta(hours=2))
    )
    _refused(runtime, _post(pusher, "dispatches", body.encode(), stale), 422, "stale")
    with runtime.uow.begin() as session:
        row = session.exec(select(QuarantineRow).order_by(QuarantineRow.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        row.headers_json = json.dumps({**json.loads(row.headers_json or "{}"), **CREDENTIALS})  # as an old row holds
        session.add(row)
    with runtime.uow.begin() as session:
        row = session.exec(select(QuarantineRow).order_by(QuarantineRow.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        headers, _ = split_headers(row)
    assert not {k.lower() for k in headers} & {k.lower() for k in CREDENTIALS}
    assert {k.lower() for k in stale} <= {k.lower() for k in headers}
