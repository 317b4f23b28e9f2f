"""Applying what a desk sends about a complaint (pulled from its feed or pushed to us): drop duplicates by the inbox
(platform = the desk, message id unique), refuse a message about a complaint we do not hold or that another desk
holds, advance the complaint (adapter/complaints/states.py) and record its history — one transaction per message.
Refused bytes are kept in quarantine (feed "complaints") with their reason; nothing is half-applied.

    complaint.ack          FORWARDED → ACKNOWLEDGED, desk_ref kept; a second ack under another id: a note
                           (duplicate_ack); an ack after the decision: recorded, state unchanged
    complaint.contacted    → HANDLING
    complaint.extended     → EXTENDED_30 / EXTENDED_60 (stage kept; Order 2020 No 3 Art 20)
    complaint.appraisal    a note: started / ended (the decision clock pauses [P33])
    complaint.decided      → DECIDED (also before an acknowledgement: the table allows it; noted)
    complaint.withdrawn    → WITHDRAWN
    complaint.to_mediation → TO_MEDIATION: a flow-C case opened (adapter/complaints/mediation.py)
    smallclaim.performed   → PAID
    complaint.review_decided → REVIEW_DECIDED
"""

import hashlib
import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapter.complaints import mediation
from adapter.complaints.states import ComplaintEvent, ComplaintNote, ComplaintStatus, IllegalComplaintTransition
from adapter.errors import DockingError, InvalidRequest
from adapter.inbox.ingest import refuse_ahead
from adapter.inbox.refusal import keep, log_kept, unstorable
from adapter.inbox.seen import inbox_row, remember, seen_before
from adapter.persistence import complaint_store as store
from adapter.persistence.complaint_store import ComplaintNotFound, detail_json
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.engine import UnitOfWork
from connectors.desk_port import ComplaintDesk
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock, to_utc
from schemas.complaint import (
    AckBody,
    AppraisalBody,
    ComplaintEnvelope,
    ContactedBody,
    DecidedBody,
    ExtendedBody,
    ReviewDecidedBody,
    SmallClaimPerformedBody,
    ToMediationBody,
    WithdrawnBody,
)

FEED = "complaints"  # the quarantine's and the cursors' feed name for desks
APPLIED, DUPLICATE, QUARANTINED = "applied", "duplicate", "quarantined"
E, S = ComplaintEvent, ComplaintStatus
log = logging.getLogger("docking.complaints")


class WrongDesk(DockingError):
    def __init__(self, complaint_id: str, platform: str, desk: str) -> None:
        super().__init__(f"complaint {complaint_id} is with desk {desk}, not {platform}: a desk speaks for its own")
        self.complaint_id = complaint_id


def apply(uow: UnitOfWork, platform: str, envelope: ComplaintEnvelope, clock: Clock) -> str:
    """Apply one verified message from desk `platform` in its own transaction; "applied" or "duplicate". Raises
    ComplaintNotFound (reason unknown_complaint), WrongDesk, IllegalComplaintTransition, InvalidRequest (a message
    only the centre sends) — with nothing written."""
    try:
        with uow.begin() as session:
            return apply_in(session, platform, envelope, clock())
    except IntegrityError:  # the same message applied meanwhile by another process: the inbox key refused ours
        with uow.begin() as session:  # ... or another key refused something else: then it is not a duplicate
            if inbox_row(session, platform, envelope.message_id) is None:
                raise
        return DUPLICATE


def apply_in(session: Session, platform: str, envelope: ComplaintEnvelope, now: datetime) -> str:
    """`apply` inside the caller's transaction (the push intake's own, with its receipt)."""
    digest = hashlib.sha256(envelope.model_dump_json().encode()).hexdigest()
    if seen_before(session, platform, envelope.message_id, digest):
        return DUPLICATE
    row = store.get(session, envelope.complaint_id)
    if row.desk != platform:
        raise WrongDesk(row.complaint_id, platform, row.desk)
    _apply_body(session, row, envelope, f"desk:{platform}", now)
    remember(session, platform, envelope.message_id, envelope.body.type.value, digest, now)
    return APPLIED


def _apply_body(session: Session, row: ComplaintRow, envelope: ComplaintEnvelope, actor: str, now: datetime) -> None:
    body, status = envelope.body, S(row.status)

    def move(event: ComplaintEvent, detail: str = "") -> None:
        store.transition(session, row, event, actor=actor, at=now, detail=detail)

    def note(what: str, detail: str) -> None:
        store.note(session, row, what, actor=actor, at=now, detail=detail)

    if isinstance(body, AckBody):
        if row.acknowledged_at is not None:
            note(ComplaintNote.DUPLICATE_ACK, f"another ack, message {envelope.message_id}: kept, no change")
            return
        row.acknowledged_at, row.desk_ref = _no_later(body.acknowledged_at, now), row.desk_ref or body.desk_ref
        if status is S.FORWARDED:
            move(E.ACKNOWLEDGE, f"desk reference {body.desk_ref}")
        else:
            note("late_ack", f"acknowledged after {status.value}; recorded, status unchanged")
    elif isinstance(body, ContactedBody):
        move(E.CONTACT, body.note[:200])
    elif isinstance(body, ExtendedBody):
        move(E.EXTEND_30 if body.stage == 30 else E.EXTEND_60, f"approved at {body.approver_level}; {body.reason}")
        row.stage = body.stage
    elif isinstance(body, AppraisalBody):
        what = ComplaintNote.APPRAISAL_STARTED if body.phase == "started" else ComplaintNote.APPRAISAL_ENDED
        note(what, detail_json(at=body.at.isoformat()))
    elif isinstance(body, DecidedBody):
        move(E.DECIDE, f"{body.result.value}; remedy {body.remedy_amount:.2f} yuan")
        if status is S.FORWARDED:
            note("decided_before_ack", "the decision arrived before any acknowledgement; applied")
        row.decided_at, row.decision_result = _no_later(body.notified_at, now), body.result.value
        row.remedy_amount = f"{body.remedy_amount:.2f}"
    elif isinstance(body, WithdrawnBody):
        move(E.WITHDRAW, body.reason[:200])
    elif isinstance(body, ToMediationBody):
        mediation.convert(
            session, row, body.complainant_consented_at, body.institution_consented_at, body.note,
            actor=actor, now=now, tell_desk=False,
        )  # fmt: skip
    elif isinstance(body, SmallClaimPerformedBody):
        move(E.SMALL_CLAIM_PAID, f"{body.amount:.2f} yuan paid")
        row.paid_at = _no_later(body.paid_at, now)
    elif isinstance(body, ReviewDecidedBody):
        move(E.DECIDE_REVIEW, f"{body.result.value}; remedy {body.remedy_amount:.2f} yuan")
        row.review_decided_at = _no_later(body.decided_at, now)
    else:
        raise InvalidRequest(f"{body.type.value} is a message the centre sends, not a desk", rule="direction")


def _no_later(at: datetime, now: datetime) -> datetime:
    """A desk's own time for an act, as stored: never later than its arrival here — a desk clock running ahead must
    not make a decision late, or a payment's working days longer, than it was (as the appraisal times, facts.py)."""
    return min(to_utc(at), to_utc(now))


def ingest(uow: UnitOfWork, desk: ComplaintDesk, item: RawInbound, clock: Clock) -> str:
    """Decode (signature verified) and apply one item from `desk`; a bad or refused item is quarantined with its raw
    bytes and reason (payload reasons, future (`_fresh`), unknown_complaint, wrong_desk, illegal_transition,
    refused). Returns "applied", "duplicate" or "quarantined"."""
    envelope: ComplaintEnvelope | None = None
    try:
        envelope = desk.decode(item)
        bad = unstorable(envelope.model_dump())
        if bad:
            raise PayloadError(desk.name, "invalid", f"{bad}, which the database cannot store")
        _fresh(desk.name, envelope, clock())
        return apply(uow, desk.name, envelope, clock)
    except PayloadError as exc:
        reason, detail = exc.reason, exc.detail
    except ComplaintNotFound as exc:
        reason, detail = "unknown_complaint", str(exc)
    except WrongDesk as exc:
        reason, detail = "wrong_desk", str(exc)
    except IllegalComplaintTransition as exc:
        reason, detail = "illegal_transition", str(exc)
    except InvalidRequest as exc:
        reason, detail = exc.rule or "refused", str(exc)
    except IntegrityError:  # not the inbox key (apply says so): kept to reprocess once the conflict is resolved
        reason, detail = "conflict", "the database refused applying it (an integrity constraint other than the inbox)"
    except Exception as exc:  # a decoder bug on one item: keep the bytes, never stall the feed on it
        reason, detail = "undecodable", f"{type(exc).__name__} while decoding"
    with uow.begin() as session:
        outcome = keep(session, desk.name, FEED, item, clock, reason, detail, envelope.message_id if envelope else None)
    log_kept(desk.name, outcome)
    return QUARANTINED if outcome.kept else DUPLICATE


def _fresh(platform: str, envelope: ComplaintEnvelope, now: datetime) -> None:
    """Refuse a message signed as sent more than an hour ahead of our clock (adapter/inbox/ingest.py refuse_ahead):
    a zone or unit error on the desk's side. No maximum age, unlike the courts' feeds: a desk's late answer (the
    adapter down for days) is still the institution's answer, and a replay of one applied is dropped by the inbox."""
    refuse_ahead(platform, envelope.sent_at, now)
