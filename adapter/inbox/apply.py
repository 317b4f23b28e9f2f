"""Applying a verified, decoded message: the inbox row (with the envelope's digest) and the case change, in one
transaction — or a duplicate (nothing changes), a conflict (an applied message id with another body,
adapter/inbox/digest.py), or NotApplicable (an authentic message the case cannot take, kept in quarantine).
"""

import logging
from dataclasses import dataclass, field, replace

from sqlmodel import Session, select

from adapter.audit.append import note_raw
from adapter.events import causes as events
from adapter.inbox.digest import CONFLICT, envelope_digest, report_conflict, same_message
from adapter.inbox.item_outcome import Ingested, Outcome, Settle
from adapter.inbox.page_rows import HEADERS_JSON, PageRows, court_dispatched_at, register_detail
from adapter.inbox.refusal import keep
from adapter.partners import case_link
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, find_case, transition
from adapter.persistence.tables import InboxRow
from adapter.states import Event, IllegalTransition
from connectors.port import RawInbound, without_credentials
from schemas.clock import Clock, to_utc
from schemas.enums import CourtDecisionKind, Flow, JcResult
from schemas.envelope import CourtDecisionBody, DispatchBody, Envelope

log = logging.getLogger("docking.ingest")


class NotApplicable(Exception):
    """A well-formed, authentic message that cannot be applied; `reason` goes to quarantine."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


_JC_EVENTS = {
    JcResult.CONFIRMED: Event.JC_CONFIRMED,
    JcResult.REJECTED: Event.JC_REJECTED,
    JcResult.NOT_ACCEPTED: Event.JC_NOT_ACCEPTED,
    JcResult.WITHDRAWN: Event.JC_WITHDRAWN,
}


def store(
    uow: UnitOfWork,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    envelope: Envelope,
    settle: Settle | None,
) -> Outcome:
    with uow.begin() as session:
        outcome = record(session, platform, feed, item, clock, envelope)
        if settle is not None:
            settle(session, outcome)
    return outcome


@dataclass
class Known:
    """What a page's items are checked against (adapter/inbox/page.py), read in one query each instead of one per
    item, and kept up to date as the page's items are applied (two items of one page may name one message or case).
    `applied`: message id → body digest, of the page's message ids in the inbox; `cases`: the platform case ids of
    the page's dispatches that have a case; `rows`: the page's new dispatches, written together."""

    applied: dict[str, str | None] = field(default_factory=dict)
    cases: set[str] = field(default_factory=set)
    rows: PageRows = field(default_factory=PageRows)

    def flush(self, session: Session) -> None:
        """Write the page so far: what the session holds, then the new dispatches' rows (in the order applied)."""
        session.flush()
        self.rows.write(session)


def record(
    session: Session,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    envelope: Envelope,
    known: Known | None = None,
) -> Outcome:
    """Apply, drop or keep one checked item in the caller's transaction; `known` (a page's) replaces the look-ups.
    The case change is made in a savepoint: a refusal part-way through leaves nothing of the message behind. (A
    page's new dispatches, which nothing refuses, are applied by `known.rows` instead: adapter/inbox/page_rows.py.)"""
    digest = envelope_digest(envelope)
    if known is None:
        seen = select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == envelope.message_id)
        row = session.exec(seen).first()
        found, applied_digest = row is not None, row.body_sha256 if row is not None else None
    else:
        found, applied_digest = envelope.message_id in known.applied, known.applied.get(envelope.message_id)
    if found:
        if same_message(platform, envelope.message_id, applied_digest, digest):
            return Outcome(Ingested.DUPLICATE, message_id=envelope.message_id)
        assert applied_digest is not None  # same_message takes an unknown digest as the same message
        detail = report_conflict(session, platform, envelope.message_id, applied_digest, digest)
        kept = keep(session, platform, feed, item, clock, CONFLICT, detail, envelope.message_id)
        return replace(kept, result=Ingested.CONFLICT)
    try:
        with session.begin_nested():  # a refusal part-way through leaves nothing of the message behind
            case_id = _apply(session, platform, envelope, clock, known)
    except NotApplicable as exc:
        return keep(session, platform, feed, item, clock, exc.reason, str(exc), envelope.message_id)
    note_raw(session, platform, envelope.message_id, item.body)  # the chain keeps the digest of the bytes received
    session.add(
        InboxRow(
            platform=platform,
            message_id=envelope.message_id,
            type=envelope.type.value,
            case_id=case_id,
            received_at=to_utc(clock()),
            body_sha256=digest,
            raw=item.body,  # as received, with the headers carrying the court's signature: the evidence bundle's
            raw_headers_json=HEADERS_JSON.encode(without_credentials(item.headers)),
        )
    )
    if known is not None:
        known.applied[envelope.message_id] = digest
    return Outcome(Ingested.APPLIED, message_id=envelope.message_id, case_id=case_id)


def _apply(session: Session, platform: str, envelope: Envelope, clock: Clock, known: Known | None) -> str:
    now, actor = clock(), f"court:{platform}"
    body = envelope.body
    if isinstance(body, DispatchBody):
        if body.dispatch.flow is Flow.SELF_RECEIVED:
            raise NotApplicable("invalid", "a court cannot dispatch a self-received (flow C) case")
        exists = (
            envelope.platform_case_id in known.cases
            if known is not None
            else find_case(session, platform, envelope.platform_case_id) is not None
        )
        if exists:
            raise NotApplicable("case_exists", f"case {envelope.platform_case_id} was already dispatched")
        case = create_case(session, body.dispatch, platform, now)
        if known is not None:
            known.cases.add(envelope.platform_case_id)
        case.court_dispatched_at = to_utc(court_dispatched_at(envelope))
        flags = body.dispatch.flags
        transition(
            session, case, Event.REGISTER, actor=actor, at=now, detail=register_detail(platform, envelope, flags)
        )
        events.dispatch_received(
            session.connection(), case, platform=platform, message_id=envelope.message_id, flags=flags, at=now
        )
        return case.id
    if isinstance(body, CourtDecisionBody):
        found = find_case(session, platform, envelope.platform_case_id)
        if found is None:
            raise NotApplicable("unknown_case", f"no case {envelope.platform_case_id} from {platform}")
        decision = body.decision
        if decision.kind is CourtDecisionKind.JC_RULING:
            assert decision.jc_result is not None  # the schema guarantees it for rulings
            event = _JC_EVENTS[decision.jc_result]
        elif decision.kind is CourtDecisionKind.MEDIATION_DOC_ISSUED:
            event = Event.ISSUE_MEDIATION_DOC
        else:
            event = Event.ALLOW_WITHDRAWAL
        was = found.status
        try:
            transition(session, found, event, actor=actor, at=now, detail=decision.model_dump_json())
        except IllegalTransition as exc:
            raise NotApplicable("illegal_transition", str(exc)) from exc
        if decision.kind is CourtDecisionKind.JC_RULING:  # a traffic record linked to the case hears it too
            case_link.ruling_arrived(session, found, decision, actor=actor, now=now)
        events.decision_applied(
            session.connection(),
            found,
            platform=platform,
            kind=decision.kind,
            decision=decision.model_dump(mode="json"),
            from_status=was,
            message_id=envelope.message_id,
            at=now,
        )
        return found.id
    raise NotApplicable("unexpected_type", f"{envelope.type.value} is not a message a court sends")
