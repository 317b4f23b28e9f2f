"""A complaint desk that pushes: one signed item POSTed by an institution's desk, taken in as its feed would be
(partners.md §6 "Guards": verify over the raw bytes; timestamp window; nonce replay; event-id dedupe; failures
quarantined with their original bytes; ack fast).

The order, each step on the raw bytes as they arrived (as adapter/inbox/push.py does for courts):

1. size: past the desk's `push_max_bytes` → refused `oversized` (what was read is kept);
2. the signature: the desk's own verifier (its signing profile), a signed time within ±`window` and a signed
   message id (signing/base.py `check`) → else refused with the verifier's reason and kept;
3. decoding (the desk connector's `decode`: its mapping, schemas/complaint.py) → PayloadError refused and kept;
4. the store's apply use case (`apply`): inbox dedupe by message id, the transition, the history; a refusal
   (an unknown complaint, a transition the complaint's status does not allow) is kept in quarantine. The signed
   id is then recorded by the persisted replay guard (adapter/inbox/replay_guard.py, scope `push:<desk>`).

Authentication comes first, every time: a request refused at 1 or 2 is refused (non-2xx) however often it comes
and whatever was seen before. Only an authenticated item already *applied* is answered `duplicate`, citing that
result (`accepted`); a refusal is never answered 2xx — the same authentic bytes refused again are refused again
with their reason (kept once: refusal.py). Everything is committed before the answer, so an item is never lost
between a 2xx and its commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from adapter.complaints import inbound
from adapter.complaints.states import IllegalComplaintTransition
from adapter.errors import InvalidRequest
from adapter.inbox.refusal import keep, log_conflict, log_kept, unstorable
from adapter.inbox.replay_guard import remember
from adapter.persistence.complaint_store import ComplaintNotFound
from adapter.persistence.engine import UnitOfWork
from connectors.desk_port import ComplaintDesk
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock
from schemas.complaint import ComplaintEnvelope
from signing.base import MessageSigner, MessageVerifier, check
from signing.errors import SignatureInvalid

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
FEED = inbound.FEED  # the quarantine's feed for desk items, pulled or pushed
PUSH_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class DeskPushed:
    """The answer to one push: `result` accepted / duplicate / rejected; `first` a duplicate's first result;
    `reason`/`detail` why an item was rejected (the detail never holds a personal number: the verifier's and the
    decoder's messages name fields, not values)."""

    result: str
    message_id: str | None = None
    complaint_id: str | None = None
    reason: str = ""
    detail: str = ""
    first: str = ""
    quarantine_id: int | None = None


class Refused(Exception):
    """What `apply` raises for an item it will not apply: `reason` a short stable name (unknown_complaint,
    illegal_transition, conflict …), the message the detail kept with the item."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


# apply(envelope, raw item) → True applied now, False applied before (an inbox duplicate); Refused otherwise.
Apply = Callable[[Any, RawInbound], bool]


@dataclass(frozen=True)
class PushDesk:
    """What the push intake needs of one desk whose settings say it pushes: its connector (the decoder), the
    verifier of its signing profile, the largest item it may push, the signed-time window, and our signer for it
    (the answer is signed, so the desk can tell our receipt from anyone's; None: unsigned)."""

    connector: ComplaintDesk
    verifier: MessageVerifier
    max_bytes: int = 1_048_576
    window: timedelta = PUSH_WINDOW
    signer: MessageSigner | None = None


def store_apply(uow: UnitOfWork, desk: str, clock: Clock) -> Apply:
    """The store's apply use case (adapter/complaints/inbound.py: inbox dedupe, transition, history, one
    transaction) for desk `desk`, its refusals as Refused with the reasons its feed ingest keeps them under."""

    def apply(envelope: ComplaintEnvelope, item: RawInbound) -> bool:
        bad = unstorable(envelope.model_dump())
        if bad:
            raise Refused("invalid", f"{bad}, which the database cannot store")
        try:
            return inbound.apply(uow, desk, envelope, clock) == inbound.APPLIED
        except ComplaintNotFound as exc:
            raise Refused("unknown_complaint", str(exc)) from None
        except inbound.WrongDesk as exc:
            raise Refused("wrong_desk", str(exc)) from None
        except IllegalComplaintTransition as exc:
            raise Refused("illegal_transition", str(exc)) from None
        except InvalidRequest as exc:
            raise Refused(exc.rule or "refused", str(exc)) from None

    return apply


class Decoder(Protocol):
    """What the intake needs of the pushing counterpart's connector: its name and its decoder (a desk's
    ComplaintDesk, a partner's PartnerPort)."""

    name: str

    def decode(self, item: RawInbound) -> Any: ...


def receive_from_desk(
    uow: UnitOfWork,
    desk: Decoder,
    verifier: MessageVerifier,
    apply: Apply,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    *,
    max_bytes: int,
    window: timedelta = PUSH_WINDOW,
    feed: str = FEED,
    subject: Callable[[Any], str | None] = lambda envelope: envelope.complaint_id,
) -> DeskPushed:
    """Take one pushed item in (module doc); everything it decides is committed when it returns. Shared with the
    partners' push intake (adapter/partners/push.py): `feed` names the quarantine's feed, `subject` the record an
    envelope is about (DeskPushed.complaint_id)."""
    item = RawInbound(body=body[: max_bytes + 1], headers=headers)
    if len(body) > max_bytes:
        return _refused(
            uow, desk.name, item, clock, "oversized", f"{len(body)} bytes or more, past {max_bytes}", feed=feed
        )
    now = clock()
    try:
        verified = check(verifier, body, headers, now=now, window=window)
        if not verified.message_id:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{verifier.profile}: no signed message id")
    except SignatureInvalid as exc:
        detail = exc.detail
        if exc.reason in (SignatureInvalid.STALE, SignatureInvalid.FUTURE):
            detail += f": outside ±{int(window.total_seconds())} s ([desks.{desk.name}] push_window_seconds)"
        return _refused(uow, desk.name, item, clock, exc.reason, detail, feed=feed)
    assert verified.issued_at is not None  # check() refuses an unsigned time
    signed_id, scope = verified.message_id, f"push:{desk.name}"
    # No answer from what was seen before: a repeat applied before is the inbox's duplicate below, one refused
    # before is decided again (and refused again, non-2xx) — a refusal never becomes a 2xx.
    try:
        envelope = desk.decode(item)
    except PayloadError as exc:
        return _refused(uow, desk.name, item, clock, "undecodable", str(exc), signed_id, feed=feed)
    try:
        applied = apply(envelope, item)
    except Refused as exc:
        return _refused(uow, desk.name, item, clock, exc.reason, exc.detail, envelope.message_id, feed=feed)
    with uow.begin() as session:
        remember(session, scope, signed_id, until=verified.issued_at + window)
    result = ACCEPTED if applied else DUPLICATE
    return DeskPushed(result, envelope.message_id, subject(envelope), first="" if applied else ACCEPTED)


def _refused(
    uow: UnitOfWork, desk: str, item: RawInbound, clock: Clock, reason: str, detail: str, message_id: str | None = None,
    *, feed: str = FEED,
) -> DeskPushed:  # fmt: skip
    """Refused and kept (once: the same bytes refused again point at the first kept row); always `rejected`."""
    with uow.begin() as session:
        outcome = keep(session, desk, feed, item, clock, reason, detail, message_id)
    log_kept(desk, outcome)
    log_conflict(desk, outcome)
    return DeskPushed(REJECTED, message_id, reason=reason, detail=outcome.detail, quarantine_id=outcome.quarantine_id)
