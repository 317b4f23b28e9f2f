"""Applying a verified, decoded message: the inbox row (with the envelope's digest) and the case change, in one
transaction — or a duplicate (nothing changes), a conflict (an applied message id with another body,
adapter/inbox/digest.py), or NotApplicable (an authentic message the case cannot take, kept in quarantine).
"""

import json
import logging
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from sqlmodel import Session, SQLModel, select

from adapter.audit.append import note_raw
from adapter.events import causes as events
from adapter.events.store import Batch
from adapter.inbox.digest import CONFLICT, envelope_digest, report_conflict, same_message
from adapter.inbox.item_outcome import Ingested, Outcome, Settle
from adapter.inbox.refusal import keep
from adapter.partners import case_link
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import advance_case, create_case, find_case, new_case_row, transition
from adapter.persistence.tables import InboxRow
from adapter.states import Event, IllegalTransition
from connectors.port import RawInbound
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
    the page's dispatches that have a case."""

    applied: dict[str, str | None] = field(default_factory=dict)
    cases: set[str] = field(default_factory=set)
    # Rows of unguarded items that reference the page's new cases (their history, their inbox rows), added once the
    # cases are flushed: the unit of work does not order inserts by foreign key (there is no relationship()).
    deferred: list[SQLModel] = field(default_factory=list)
    events: Batch = field(default_factory=Batch)  # the new cases' centre events, written with them

    def flush(self, session: Session) -> None:
        """Flush the page so far: its new cases, then the rows deferred until they exist (in the order made)."""
        session.flush()
        if self.deferred:
            session.add_all(self.deferred)
            self.deferred.clear()
            session.flush()
        self.events.write(session.connection())


def record(
    session: Session,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    envelope: Envelope,
    known: Known | None = None,
    *,
    guarded: bool = True,
) -> Outcome:
    """Apply, drop or keep one checked item in the caller's transaction; `known` (a page's) replaces the look-ups.
    `guarded=False` (a page's new dispatch, adapter/inbox/page.py): no savepoint around the case change — a dispatch
    is refused (NotApplicable) before anything is written, and its rows are then flushed with the page's."""
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
    guard = session.begin_nested() if guarded else nullcontext()
    try:
        with guard:  # a refusal part-way through leaves nothing of the message behind
            case_id = _apply(session, platform, envelope, clock, known)
    except NotApplicable as exc:
        return keep(session, platform, feed, item, clock, exc.reason, str(exc), envelope.message_id)
    note_raw(session, platform, envelope.message_id, item.body)  # the chain keeps the digest of the bytes received
    inbox = InboxRow(
        platform=platform,
        message_id=envelope.message_id,
        type=envelope.type.value,
        case_id=case_id,
        received_at=to_utc(clock()),
        body_sha256=digest,
        raw=item.body,  # as received, with the headers carrying the court's signature: the evidence bundle's
        raw_headers_json=json.dumps(_kept_headers(item.headers), sort_keys=True, ensure_ascii=False),
    )
    if guarded:
        session.add(inbox)
    else:
        assert known is not None  # an unguarded item is a page's
        known.deferred.append(inbox)
    if known is not None:
        known.applied[envelope.message_id] = digest
    return Outcome(Ingested.APPLIED, message_id=envelope.message_id, case_id=case_id)


_CREDENTIALS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers kept with the raw bytes: all but credentials (a pushing court's API key is not evidence)."""
    return {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}


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
        if known is None:
            case = create_case(session, body.dispatch, platform, now)
        else:  # a page's: flushed with the page's other rows (one INSERT for many), not one by one
            case = new_case_row(body.dispatch, platform, now)
            session.add(case)
            known.cases.add(envelope.platform_case_id)
        # It reached the centre's platform inbox when the court published it: not before its dispatch time, nor
        # before the feed item carrying it was issued (domain.md §3, e-service [S3 Art 90]).
        case.court_dispatched_at = to_utc(max(body.dispatch.dispatched_at, envelope.created_at))
        detail = f"message {envelope.message_id}"
        flags = body.dispatch.flags  # an unknown court or type code, an odd phone: flagged, not refused
        if flags:  # recorded as received; `docking cases show` reads them from the stored dispatch
            detail += "; flagged: " + "; ".join(flags)
            log.warning("%s case %s flagged: %s", platform, envelope.platform_case_id, "; ".join(flags))
        if known is None:
            transition(session, case, Event.REGISTER, actor=actor, at=now, detail=detail)
        else:
            known.deferred.append(advance_case(case, Event.REGISTER, actor=actor, at=now, detail=detail))
        events.dispatch_received(
            session.connection() if known is None else known.events,
            case,
            platform=platform,
            message_id=envelope.message_id,
            flags=flags,
            at=now,
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
