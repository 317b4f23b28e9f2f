"""A complaint desk that pushes: one signed item POSTed by an institution's desk, taken in as its feed would be —
by the shared signed-push intake (adapter/inbox/signed_push.py: size, the desk's own signature and time window, the
persisted replay guard, decoding, then the store's apply; refusals quarantined with their original bytes), the
desk's item applied by its inbound use case (adapter/complaints/inbound.py).

Everything is committed before the answer, so an item is never lost between a 2xx and its commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from adapter.complaints import inbound
from adapter.complaints.states import IllegalComplaintTransition
from adapter.errors import InvalidRequest
from adapter.inbox.refusal import unstorable
from adapter.inbox.signed_push import ACCEPTED, DUPLICATE, PUSH_WINDOW, REJECTED, Intake, Refused, receive_signed
from adapter.persistence.complaint_store import ComplaintNotFound
from adapter.persistence.engine import UnitOfWork
from connectors.desk_port import ComplaintDesk
from connectors.port import RawInbound
from schemas.clock import Clock
from schemas.complaint import ComplaintEnvelope
from signing.base import MessageSigner, MessageVerifier

FEED = inbound.FEED  # the quarantine's feed for desk items, pulled or pushed
__all__ = ["ACCEPTED", "DUPLICATE", "REJECTED", "DeskPushed", "PushDesk", "Refused", "receive_from_desk", "store_apply"]


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


# apply(envelope, raw item) → True applied now, False applied before (an inbox duplicate); Refused otherwise.
Apply = Callable[[ComplaintEnvelope, RawInbound], bool]


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


def receive_from_desk(
    uow: UnitOfWork,
    desk: ComplaintDesk,
    verifier: MessageVerifier,
    apply: Apply,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    *,
    max_bytes: int,
    window: timedelta = PUSH_WINDOW,
) -> DeskPushed:
    """Take one pushed item in (adapter/inbox/signed_push.py); everything it decides is committed when it returns."""
    intake = Intake(desk.name, FEED, f"desks.{desk.name}", verifier, desk.decode, apply)
    p = receive_signed(uow, intake, body, headers, clock, max_bytes=max_bytes, window=window)
    complaint_id = p.envelope.complaint_id if p.envelope is not None and not p.reason else None
    return DeskPushed(p.result, p.message_id, complaint_id, p.reason, p.detail, p.first, p.quarantine_id)
