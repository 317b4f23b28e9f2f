"""The push intake records nothing for an effect that did not commit: the replay guard's record of a pushed item's
id (and of a receipt's id) is written in the effect's own transaction, so a push that failed before its commit is
taken in when retried, and one retried after a lost answer is answered `duplicate` with the first result. And the
timestamp window is the platform's `push_window_seconds`, named when a push falls outside it. On SQLite and on
PostgreSQL."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.persistence.tables import AuditRow, CaseRow, InboxRow, OutboxRow, QuarantineRow, SeenNonceRow
from sandbox.push import PushCourt
from scheduler import Runtime
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.push import push_settings
from tests.support.runtime import case_for

pytestmark = pytest.mark.integration

WINDOW = 60  # seconds: this platform's push_window_seconds, not the default 300


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    return push_settings(database_url, court, encryption, push_window_seconds=WINDOW)


@pytest.fixture
def pusher(court: Court, api_base: str, api_keys: dict[str, str]) -> PushCourt:
    return PushCourt(court.core, api_base, api_keys["court:court"], platform=PLATFORM)


def _post(pusher: PushCourt, feed: str, body: str, headers: dict[str, str]) -> requests.Response:
    headers = {**headers, "Authorization": f"Bearer {pusher.api_key}", "Content-Type": "application/json"}
    return requests.post(pusher.endpoint(feed), data=body.encode(), headers=headers, timeout=30)


def _count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.uow.begin() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _dying(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[int]:
    """The module's `remember` (the guard's record, the last write of the effect's transaction) does its write and
    then the process 'dies' before the commit, once: the transaction rolls back, the court gets a 500."""
    real: Callable[..., None] = module.remember
    calls: list[int] = []

    def remember(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("died before the commit")

    monkeypatch.setattr(module, "remember", remember)
    return calls


def test_a_pushed_dispatch_that_died_before_its_commit_leaves_nothing_and_is_taken_in_when_retried(
    runtime: Runtime, court: Court, pusher: PushCourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adapter.inbox.push

    calls = _dying(monkeypatch, adapter.inbox.push)
    (ajbs,) = court.core.dispatch(1, "01")
    body = next(i["body"] for i in court.core.feed("dispatches", 0, 50)["items"] if ajbs in i["body"])
    message_id = str(json.loads(body)["xxbh"])
    died = _post(pusher, "dispatches", body, court.core.sign_item(body, message_id))
    assert died.status_code == 500 and calls == [1]
    assert (_count(runtime, CaseRow), _count(runtime, InboxRow), _count(runtime, SeenNonceRow)) == (0, 0, 0)
    retried = _post(pusher, "dispatches", body, court.core.sign_item(body, message_id))
    assert retried.status_code == 200 and retried.json()["result"] == "accepted", retried.text
    assert retried.json()["case_id"] == case_for(runtime, ajbs).id
    lost = _post(pusher, "dispatches", body, court.core.sign_item(body, message_id))  # its answer lost: again
    assert lost.json()["result"] == "duplicate" and lost.json()["first_result"] == "accepted", lost.text
    assert lost.json()["case_id"] == retried.json()["case_id"]
    assert (_count(runtime, CaseRow), _count(runtime, InboxRow), _count(runtime, SeenNonceRow)) == (1, 1, 1)


def test_a_receipt_that_died_before_its_commit_is_applied_when_retried_and_answered_duplicate_after(
    runtime: Runtime, court: Court, centre: Api, pusher: PushCourt, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adapter.inbox.push_receipts

    (ajbs,) = court.core.dispatch(1, "01")
    pusher.push_once()
    case_id = case_for(runtime, ajbs).id
    centre.ok(case_id, "accept")  # its progress message waits in the outbox
    with runtime.uow.begin() as session:
        (message,) = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id)).all()
    doc = json.dumps({"receipt_id": "RC-DIES-1", "message_id": message.message_id, "result": "applied"})
    calls = _dying(monkeypatch, adapter.inbox.push_receipts)
    died = _post(pusher, "receipts", doc, court.core.sign_item(doc, "RC-DIES-1"))
    assert died.status_code == 500 and calls == [1]

    def state() -> tuple[str, int, int]:
        with runtime.uow.begin() as session:
            status = session.exec(select(OutboxRow.status).where(OutboxRow.id == message.id)).one()
        receipts = _count(runtime, SeenNonceRow, SeenNonceRow.scope == f"push-receipt:{PLATFORM}")
        return str(status), receipts, _count(runtime, AuditRow, AuditRow.action == "court-receipt")

    assert state() == ("pending", 0, 0)  # nothing of it: not the receipt id either
    retried = _post(pusher, "receipts", doc, court.core.sign_item(doc, "RC-DIES-1"))
    assert retried.status_code == 200 and retried.json()["result"] == "accepted", retried.text
    assert state() == ("delivered", 1, 1)
    lost = _post(pusher, "receipts", doc, court.core.sign_item(doc, "RC-DIES-1"))
    assert lost.status_code == 200, lost.text
    assert lost.json()["result"] == "duplicate" and lost.json()["first_result"] == "accepted"
    assert lost.json()["case_id"] == case_id and lost.json()["message_id"] == message.message_id
    other = doc.replace("applied", "duplicate")  # another body under the same receipt id
    replayed = _post(pusher, "receipts", other, court.core.sign_item(other, "RC-DIES-1"))
    assert replayed.status_code == 422 and replayed.json()["reason"] == "replayed", replayed.text
    assert state() == ("delivered", 1, 1)


def test_a_refused_receipt_pushed_again_is_refused_again(runtime: Runtime, court: Court, pusher: PushCourt) -> None:
    doc = json.dumps({"receipt_id": "RC-UNKNOWN-1", "message_id": "MSG-not-ours", "result": "applied"})
    first = _post(pusher, "receipts", doc, court.core.sign_item(doc, "RC-UNKNOWN-1"))
    assert first.status_code == 422 and first.json()["reason"] == "unknown_message", first.text
    again = _post(pusher, "receipts", doc, court.core.sign_item(doc, "RC-UNKNOWN-1"))
    assert again.status_code == 422 and again.json()["result"] == "rejected", again.text  # never a 2xx (#19)
    assert again.json()["reason"] == "unknown_message"
    assert _count(runtime, QuarantineRow) == 1


@pytest.mark.parametrize(("feed", "offset", "reason"), [("dispatches", -2, "stale"), ("receipts", +2, "future")])
def test_the_push_window_is_the_platforms_setting_and_named_when_missed(
    runtime: Runtime, court: Court, pusher: PushCourt, feed: str, offset: int, reason: str
) -> None:
    """±60 s here: a push signed twice that far off is refused naming push_window_seconds; half that is taken in."""
    (ajbs,) = court.core.dispatch(1, "01")
    body = next(i["body"] for i in court.core.feed("dispatches", 0, 50)["items"] if ajbs in i["body"])
    message_id = str(json.loads(body)["xxbh"])
    if feed == "receipts":
        body, message_id = json.dumps({"receipt_id": "RC-W", "message_id": "MSG-not-ours", "result": "applied"}), "RC-W"
    now = datetime.now(UTC)
    outside = court.core._signer.sign(body.encode(), message_id=message_id, at=now + timedelta(seconds=offset * WINDOW))
    refused = _post(pusher, feed, body, dict(outside))
    assert refused.status_code == 422 and refused.json()["reason"] == reason, refused.text
    assert f"±{WINDOW} s" in refused.json()["detail"] and "push_window_seconds" in refused.json()["detail"]
    inside = court.core._signer.sign(body.encode(), message_id=message_id, at=now + timedelta(seconds=offset * 15))
    taken = _post(pusher, feed, body, dict(inside))
    assert taken.json()["reason"] != reason, taken.text  # (a receipt of no message of ours is then refused for that)
    assert (taken.json()["result"] == "accepted") is (feed == "dispatches")


def test_a_long_receipt_id_is_guarded_as_any_other(
    runtime: Runtime, court: Court, centre: Api, pusher: PushCourt
) -> None:
    """An id longer than the guard's column (128) is recorded by its digest: a retry is still a duplicate, and
    another receipt of the same message under another long id is taken in as well."""
    (ajbs,) = court.core.dispatch(1, "01")
    pusher.push_once()
    case_id = case_for(runtime, ajbs).id
    centre.ok(case_id, "accept")
    with runtime.uow.begin() as session:
        (message,) = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id)).all()
    receipt_id = "RC-%_" + "x" * 200
    doc = json.dumps({"receipt_id": receipt_id, "message_id": message.message_id, "result": "applied"})
    first = _post(pusher, "receipts", doc, court.core.sign_item(doc, receipt_id))
    assert first.status_code == 200 and first.json()["result"] == "accepted", first.text
    again = _post(pusher, "receipts", doc, court.core.sign_item(doc, receipt_id))
    assert again.json()["result"] == "duplicate" and again.json()["first_result"] == "accepted", again.text
    other_id = "RC-%%" + "x" * 200
    other = json.dumps({"receipt_id": other_id, "message_id": message.message_id, "result": "applied"})
    assert _post(pusher, "receipts", other, court.core.sign_item(other, other_id)).json()["result"] == "accepted"
    assert _count(runtime, AuditRow, AuditRow.action == "court-receipt") == 2
