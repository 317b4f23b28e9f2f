"""One signed item pushed by a counterpart that is not a court — an institution's complaint desk
(adapter/complaints/desk_push.py) or a docking partner (adapter/partners/push.py) — taken in as its feed would be
(partners.md §6 "Guards": verify over the raw bytes; timestamp window; nonce replay; event-id dedupe; failures
quarantined with their original bytes; ack fast). The order, each step on the raw bytes as they arrived (as
adapter/inbox/push.py does for courts):

1. size: past `max_bytes` → refused `oversized` (what was read is kept);
2. the signature: the counterpart's own verifier (its signing profile), a signed time within ±`window` and a signed
   message id (signing/base.py `check`) → else refused with the verifier's reason and kept;
3. the persisted replay guard (adapter/inbox/replay_guard.py, scope `push:<name>`): an id seen within its window is
   a repeat — the same bytes are answered `duplicate` with the first result, other bytes refused `replayed`;
4. decoding (`decode`: the connector's mapping and schema) → PayloadError refused and kept as `undecodable`;
5. `apply` (inbox dedupe by message id, the change, the history, one transaction); its Refused is kept in
   quarantine with the reason it names.

Everything is committed before the answer, so an item is never lost between a 2xx and its commit.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from adapter.inbox.refusal import keep, log_kept
from adapter.inbox.replay_guard import remember, seen
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import QuarantineRow
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock
from signing.base import MessageVerifier, check
from signing.errors import SignatureInvalid

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
PUSH_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Pushed:
    """The answer to one push: `result` accepted / duplicate / rejected; `envelope` the decoded message (None if it
    never decoded); `first` a duplicate's first result; `reason`/`detail` why an item was rejected (the detail never
    holds a personal number: the verifier's and the decoder's messages name fields, not values)."""

    result: str
    message_id: str | None = None
    envelope: Any = None
    reason: str = ""
    detail: str = ""
    first: str = ""
    quarantine_id: int | None = None


class Refused(Exception):
    """What `apply` raises for an item it will not apply: `reason` a short stable name (unknown_record,
    illegal_transition, conflict …), the message the detail kept with the item."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Intake:
    """Where a pushed item goes: the counterpart's name (its inbox, quarantine and replay scope), the quarantine's
    feed, the settings table that sets its window (named in a stale refusal), its verifier and decoder, and
    `apply(envelope, raw item)` → True applied now, False applied before (an inbox duplicate); Refused otherwise."""

    name: str
    feed: str
    table: str  # e.g. "desks.<name>" — the settings table naming push_window_seconds
    verifier: MessageVerifier
    decode: Callable[[RawInbound], Any]
    apply: Callable[[Any, RawInbound], bool]


def receive_signed(
    uow: UnitOfWork, intake: Intake, body: bytes, headers: dict[str, str], clock: Clock, *, max_bytes: int,
    window: timedelta = PUSH_WINDOW,
) -> Pushed:  # fmt: skip
    """Take one pushed item in (module doc); everything it decides is committed when it returns."""
    item = RawInbound(body=body[: max_bytes + 1], headers=headers)
    if len(body) > max_bytes:
        return _refused(uow, intake, item, clock, "oversized", f"{len(body)} bytes or more, past {max_bytes}")
    now = clock()
    try:
        verified = check(intake.verifier, body, headers, now=now, window=window)
        if not verified.message_id:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{intake.verifier.profile}: no signed message id")
    except SignatureInvalid as exc:
        detail = exc.detail
        if exc.reason in (SignatureInvalid.STALE, SignatureInvalid.FUTURE):
            detail += f": outside ±{int(window.total_seconds())} s ([{intake.table}] push_window_seconds)"
        return _refused(uow, intake, item, clock, exc.reason, detail)
    assert verified.issued_at is not None  # check() refuses an unsigned time
    signed_id, scope = verified.message_id, f"push:{intake.name}"
    with uow.begin() as session:
        repeated = seen(session, scope, signed_id, now=now)
    if repeated:
        first = _first_refusal(uow, intake.name, body)
        if first is not None:
            return Pushed(DUPLICATE, signed_id, first=first)
        # else: applied before (the inbox dedupes it below) or recorded without an effect: take it in.
    try:
        envelope = intake.decode(item)
    except PayloadError as exc:
        return _refused(uow, intake, item, clock, "undecodable", str(exc), signed_id)
    try:
        applied = intake.apply(envelope, item)
    except Refused as exc:
        return _refused(uow, intake, item, clock, exc.reason, exc.detail, envelope.message_id, envelope)
    with uow.begin() as session:
        remember(session, scope, signed_id, until=verified.issued_at + window)
    return Pushed(ACCEPTED if applied else DUPLICATE, envelope.message_id, envelope, first="" if applied else ACCEPTED)


def _refused(
    uow: UnitOfWork, intake: Intake, item: RawInbound, clock: Clock, reason: str, detail: str,
    message_id: str | None = None, envelope: Any = None,
) -> Pushed:  # fmt: skip
    with uow.begin() as session:
        outcome = keep(session, intake.name, intake.feed, item, clock, reason, detail, message_id)
    log_kept(intake.name, outcome)
    if not outcome.kept:  # these very bytes were refused before: the same answer, as a duplicate
        first = _first_refusal(uow, intake.name, item.body) or f"{REJECTED}: {reason}"  # the first refusal's reason
        return Pushed(DUPLICATE, message_id, envelope, reason=reason, first=first)
    return Pushed(REJECTED, message_id, envelope, reason=reason, detail=outcome.detail,
                  quarantine_id=outcome.quarantine_id)  # fmt: skip


def _first_refusal(uow: UnitOfWork, name: str, body: bytes) -> str | None:
    """How these very bytes were refused before, or None if they never were."""
    digest = hashlib.sha256(body).hexdigest()
    with uow.begin() as session:
        row = session.exec(
            select(QuarantineRow)
            .where(col(QuarantineRow.platform) == name, col(QuarantineRow.raw_sha256) == digest)
            .order_by(col(QuarantineRow.id))
        ).first()
    return None if row is None else f"{REJECTED}: {row.reason}"
