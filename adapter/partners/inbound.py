"""Applying what a partner sends (pulled from its feed by feed.py or pushed to us), whatever its kind: drop
duplicates by the inbox (platform = the partner's name, message id unique), find the record by our record id or by
(partner, partner_ref), let the kind decide (spec.on_message: None opens a record), apply its Change
(adapter/partners/apply.py) — one transaction per message, committed before the partner is answered. A message that
cannot apply is kept in quarantine (feed "partners") with its raw bytes and the reason; nothing is half-applied.

Quarantine reasons: the connector's payload reasons (signature, invalid, future …), wrong_partner (a message about
another partner's record, or signed by one partner naming another), wrong_kind, unknown_record, illegal_transition,
the kind's InvalidRequest rule (else "refused"), conflict (an applied message id with another body, a kind's re-send
with other content — e.g. a traffic offer's serial again — or a database constraint; logged at ERROR and alerted,
the record untouched), undecodable (a decoder bug on one item).
"""

import hashlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapter.errors import DockingError, InvalidRequest
from adapter.inbox.ingest import refuse_ahead
from adapter.inbox.refusal import keep, log_conflict, log_kept, unstorable
from adapter.inbox.seen import inbox_row, remember, seen_before
from adapter.masking import mask_document
from adapter.partners.apply import apply_change
from adapter.partners.machine import IllegalPartnerTransition
from adapter.partners.specs import spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_store import PartnerRecordNotFound
from adapter.persistence.partner_tables import PartnerRecordRow
from connectors.partner_port import PartnerPort
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock
from schemas.partner import PartnerEnvelope

FEED = "partners"  # the quarantine's and the cursors' feed name for partners
APPLIED, DUPLICATE, QUARANTINED = "applied", "duplicate", "quarantined"
log = logging.getLogger("docking.partners")


class OutOfScope(DockingError):
    """A message a partner may not send: about another partner's record, or another kind's (`reason` says which)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def receive(
    uow: UnitOfWork, partner: str, envelope: PartnerEnvelope, raw: RawInbound | bytes, *, clock: Clock, rules: Any,
    kind: str | None = None,
) -> str:  # fmt: skip
    """Apply one verified message from `partner` (of `kind`, when the settings say) in its own transaction:
    "applied", "duplicate", or "quarantined" (the raw bytes kept with the reason; nothing else written)."""
    item = raw if isinstance(raw, RawInbound) else RawInbound(body=raw, headers={})
    try:
        return apply(uow, partner, envelope, clock, rules, kind)
    except Exception as exc:
        reason, detail = reason_of(exc)
    return _quarantine(uow, partner, item, clock, reason, detail, envelope.message_id)


def apply(uow: UnitOfWork, partner: str, envelope: PartnerEnvelope, clock: Clock, rules: Any,
          kind: str | None = None) -> str:  # fmt: skip
    """`receive` without the quarantine: "applied" or "duplicate", or the refusal raised (`reason_of` names it) with
    nothing written — for the push intake (adapter/partners/push.py), which keeps refused items itself."""
    bad = unstorable(envelope.model_dump(mode="json"))
    if bad:
        raise PayloadError(partner, "invalid", f"{bad}, which the database cannot store")
    refuse_ahead(partner, envelope.sent_at, clock())
    return _apply(uow, partner, envelope, clock, rules, kind)


def ingest(uow: UnitOfWork, port: PartnerPort, item: RawInbound, clock: Clock, rules: Any) -> str:
    """Decode (signature verified, body validated: PartnerPort.decode) and `receive` one item from `port`; an item
    that does not decode is quarantined with its bytes (the connector's PayloadError reason, or undecodable)."""
    try:
        envelope = port.decode(item)
    except Exception as exc:
        reason, detail = reason_of(exc)
        return _quarantine(uow, port.name, item, clock, reason, detail, None)
    return receive(uow, port.name, envelope, item, clock=clock, rules=rules, kind=port.kind)


def reason_of(exc: Exception) -> tuple[str, str]:
    """The quarantine reason and detail of a refusal (the module doc lists the reasons). The detail is masked
    (adapter/masking.py mask_document): a refusal may quote the partner's own text back — an identifier it filled
    with an ID, phone or account number — and the detail is stored, logged and answered to a pushing partner."""
    reason, detail = _reason_of(exc)
    return reason, mask_document(detail)


def _reason_of(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, PayloadError):
        return exc.reason, exc.detail
    if isinstance(exc, PartnerRecordNotFound):
        return "unknown_record", str(exc)
    if isinstance(exc, OutOfScope):
        return exc.reason, str(exc)
    if isinstance(exc, IllegalPartnerTransition):
        return "illegal_transition", str(exc)
    if isinstance(exc, InvalidRequest):
        return exc.rule or "refused", str(exc)
    if isinstance(exc, IntegrityError):  # not the inbox key (_apply says so): kept to reprocess once resolved
        return "conflict", "the database refused applying it (an integrity constraint other than the inbox)"
    return "undecodable", f"{type(exc).__name__} while decoding or applying"  # a bug on one item: never stall


def _quarantine(
    uow: UnitOfWork, partner: str, item: RawInbound, clock: Clock, reason: str, detail: str, message_id: str | None
) -> str:
    with uow.begin() as session:
        outcome = keep(session, partner, FEED, item, clock, reason, detail, message_id)
    log_kept(partner, outcome)
    log_conflict(partner, outcome)
    return QUARANTINED if outcome.kept else DUPLICATE


def _apply(uow: UnitOfWork, partner: str, envelope: PartnerEnvelope, clock: Clock, rules: Any,
           kind: str | None) -> str:  # fmt: skip
    for attempt in range(2):
        try:
            with uow.begin() as session:
                return apply_in(session, partner, envelope, clock(), rules, kind)
        except IntegrityError:
            with uow.begin() as session:
                if inbox_row(session, partner, envelope.message_id) is not None:
                    return DUPLICATE  # the same message applied meanwhile by another process
            # Else two messages opened the same (partner, partner_ref) at once: once more, the record now exists.
            if attempt:
                raise
    raise AssertionError("unreachable")


def apply_in(
    session: Session, partner: str, envelope: PartnerEnvelope, now: datetime, rules: Any, kind: str | None = None
) -> str:
    """`receive`'s work inside the caller's transaction (a push intake's own, with its answer): "applied" or
    "duplicate"; raises (nothing written by it) OutOfScope, PartnerRecordNotFound, IllegalPartnerTransition,
    InvalidRequest (rule conflict: a message id applied before with another body), IntegrityError."""
    if envelope.partner != partner:
        raise OutOfScope("wrong_partner", f"message signed by {partner} names partner {envelope.partner}")
    if kind is not None and envelope.kind != kind:
        raise OutOfScope("wrong_kind", f"partner {partner} is a {kind} partner, not {envelope.kind.value}")
    digest = hashlib.sha256(envelope.model_dump_json().encode()).hexdigest()
    if seen_before(session, partner, envelope.message_id, digest):
        return DUPLICATE
    spec = spec_for(envelope.kind)
    row: PartnerRecordRow | None
    if envelope.record_id is not None:
        row = store.get(session, envelope.record_id)
    elif envelope.partner_ref is not None:
        row = store.find_by_ref(session, partner, envelope.partner_ref)
    else:
        row = None
    if row is not None and (row.partner != partner or row.kind != envelope.kind):
        raise OutOfScope("wrong_partner", f"record {row.record_id} is with {row.partner} ({row.kind}), not {partner}")
    change = spec.on_message(store.view(row) if row is not None else None, envelope, now, rules)
    apply_change(session, spec, row, change, partner=partner, actor=f"partner:{partner}", now=now, label=envelope.type)
    remember(session, partner, envelope.message_id, envelope.type, digest, now)
    return APPLIED
