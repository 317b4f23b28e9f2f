"""A desk's pushed item taken in on a real database (adapter/complaints/desk_push.py): verified with THAT desk's
signing profile over the raw bytes, inside the time window, its signed id guarded against replay, refusals kept in
quarantine with the original bytes and answered the same way again; the apply step stubbed (the store's own is
tested through the API in test_desk_push.py)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from adapter.complaints.desk_push import ACCEPTED, DUPLICATE, REJECTED, DeskPushed, Refused, receive_from_desk
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import QuarantineRow
from adapter.testing import FakeClock
from connectors.fake_desk import FakeComplaintDesk
from connectors.port import RawInbound
from schemas.complaint import ComplaintEnvelope
from signing.base import PublicKeyEntry
from signing.hmac_appkey import HmacSigner, HmacVerifier
from tests.support import desk_samples

pytestmark = pytest.mark.integration
SECRET, OTHER = b"s" * 32, b"o" * 32


def verifier(secret: bytes = SECRET, app_key: str = "card-centre") -> HmacVerifier:
    return HmacVerifier({app_key: PublicKeyEntry(app_key, secret, "HMAC-SHA256")})


class Store:
    """The apply step as the store gives it: each message id applied once; unknown complaints refused."""

    def __init__(self, known: set[str]) -> None:
        self.known, self.applied = known, list[str]()

    def __call__(self, envelope: ComplaintEnvelope, item: RawInbound) -> bool:
        if envelope.complaint_id not in self.known:
            raise Refused("unknown_complaint", f"no complaint {envelope.complaint_id!r} was forwarded to this desk")
        if envelope.message_id in self.applied:
            return False
        self.applied.append(envelope.message_id)
        return True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(desk_samples.T0 + timedelta(hours=1, seconds=5))


def push(uow: UnitOfWork, clock: FakeClock, store: Store, body: bytes, headers: dict[str, str],
         check: HmacVerifier | None = None, max_bytes: int = 100_000) -> DeskPushed:  # fmt: skip
    desk = FakeComplaintDesk("card-centre", verifier=check or verifier())
    return receive_from_desk(uow, desk, check or verifier(), store, body, headers, clock, max_bytes=max_bytes)


def signed(secret: bytes = SECRET) -> tuple[bytes, dict[str, str]]:
    envelope = desk_samples.ack()
    body = envelope.model_dump_json().encode()
    return body, HmacSigner("card-centre", secret).sign(body, message_id=envelope.message_id, at=envelope.sent_at)


def kept(uow: UnitOfWork) -> list[QuarantineRow]:
    with uow.begin() as session:
        return list(session.exec(select(QuarantineRow).order_by(QuarantineRow.id)))  # type: ignore[arg-type]


def test_a_signed_item_is_applied_once_and_its_retry_is_a_duplicate(uow: UnitOfWork, clock: FakeClock) -> None:
    """A retry after a lost answer (the same bytes) is answered `duplicate`, never applied twice."""
    store = Store({"TS20260302-0001"})
    body, headers = signed()
    first = push(uow, clock, store, body, headers)
    assert (first.result, first.message_id, first.complaint_id) == (ACCEPTED, "A-1", "TS20260302-0001")
    again = push(uow, clock, store, body, headers)
    assert (again.result, again.first) == (DUPLICATE, ACCEPTED)
    assert store.applied == ["A-1"] and kept(uow) == []


Change = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]
REFUSALS: dict[str, tuple[Change, str]] = {
    "another desk's secret": (lambda b, h: (b, signed(OTHER)[1]), "bad_signature"),
    "bytes changed after signing": (lambda b, h: (b.replace(b'"A-1"', b'"A-2"'), h), "bad_signature"),
    "no signature": (lambda b, h: (b, {}), "unsigned"),
    "an unknown app key": (lambda b, h: (b, {**h, "X-App-Key": "life-insurer"}), "unknown_key"),
}


@pytest.mark.parametrize(("change", "reason"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_bad_signature_is_refused_and_kept_with_its_original_bytes(
    uow: UnitOfWork, clock: FakeClock, change: Change, reason: str
) -> None:
    """Verified with the desk's own profile over the raw bytes; the refused bytes kept exactly, once."""
    store = Store({"TS20260302-0001"})
    body, headers = change(*signed())
    refused = push(uow, clock, store, body, headers)
    assert (refused.result, refused.reason) == (REJECTED, reason)
    again = push(uow, clock, store, body, headers)
    assert (again.result, again.reason, again.quarantine_id) == (REJECTED, reason, refused.quarantine_id)  # never a 2xx
    rows = kept(uow)
    assert [(r.platform, r.reason, r.raw) for r in rows] == [("card-centre", reason, body)] and store.applied == []


SAME_BYTES = {name: v for name, v in REFUSALS.items() if name != "bytes changed after signing"}  # same bytes


@pytest.mark.parametrize(("change", "reason"), SAME_BYTES.values(), ids=SAME_BYTES.keys())
def test_bytes_refused_unauthentic_then_applied_are_a_duplicate_of_the_applied_and_refused_when_unauthentic_again(
    uow: UnitOfWork, clock: FakeClock, change: Change, reason: str
) -> None:
    """#19: the same bytes unauthentic → signed → signed → unauthentic: rejected, accepted, duplicate citing
    `accepted` (not the first refusal), rejected again — authentication comes first, a refusal is never a 2xx."""
    store = Store({"TS20260302-0001"})
    body, headers = signed()
    bad_body, bad_headers = change(body, headers)
    assert (push(uow, clock, store, bad_body, bad_headers).result, bad_body) == (REJECTED, body)
    assert push(uow, clock, store, body, headers).result == ACCEPTED
    again = push(uow, clock, store, body, headers)
    assert (again.result, again.first) == (DUPLICATE, ACCEPTED)
    retried = push(uow, clock, store, bad_body, bad_headers)
    assert (retried.result, retried.reason, retried.first) == (REJECTED, reason, "")
    assert store.applied == ["A-1"] and len(kept(uow)) == 1


@pytest.mark.parametrize(("skew", "reason"), [(timedelta(minutes=6), "stale"), (timedelta(minutes=-6), "future")])
def test_a_time_outside_the_window_is_refused_naming_the_setting(
    uow: UnitOfWork, clock: FakeClock, skew: timedelta, reason: str
) -> None:
    """±5 minutes by default ([desks.X] push_window_seconds)."""
    clock.now = desk_samples.T0 + timedelta(hours=1) + skew
    refused = push(uow, clock, Store({"TS20260302-0001"}), *signed())
    assert (refused.result, refused.reason) == (REJECTED, reason)
    assert "push_window_seconds" in refused.detail


def test_an_item_for_an_unknown_complaint_is_kept_with_the_stores_reason(uow: UnitOfWork, clock: FakeClock) -> None:
    """The apply step's refusal is kept in quarantine with the bytes, under the message id."""
    refused = push(uow, clock, Store(set()), *signed())
    assert (refused.result, refused.reason, refused.message_id) == (REJECTED, "unknown_complaint", "A-1")
    assert [(r.reason, r.message_id) for r in kept(uow)] == [("unknown_complaint", "A-1")]


def test_an_oversized_item_is_refused_and_what_was_read_is_kept(uow: UnitOfWork, clock: FakeClock) -> None:
    body, headers = signed()
    refused = push(uow, clock, Store({"TS20260302-0001"}), body, headers, max_bytes=100)
    assert (refused.result, refused.reason) == (REJECTED, "oversized")
    assert len(kept(uow)[0].raw) == 101


def test_an_undecodable_item_is_refused_naming_the_field(uow: UnitOfWork, clock: FakeClock) -> None:
    """Signed correctly, but not a complaint message: refused by the decoder, kept."""
    body = b'{"message_id": "A-9", "complaint_id": "TS20260302-0001", "sent_at": "2026-03-02T10:30:00+08:00"}'
    headers = HmacSigner("card-centre", SECRET).sign(body, message_id="A-9", at=desk_samples.T0 + timedelta(hours=1))
    refused = push(uow, clock, Store({"TS20260302-0001"}), body, headers)
    assert (refused.result, refused.reason) == (REJECTED, "undecodable")
    assert "body" in refused.detail
