"""Applying what a platform sends: verify → decode → drop duplicates → apply, or quarantine with the raw bytes.

Every item ends in exactly one of four ways, each in one transaction: applied (inbox row with the envelope's
digest + case change), duplicate (nothing changes), quarantined (raw bytes + reason; no case changes), or
conflict: quarantined as `conflict` because it reuses an applied message id with another body (adapter/inbox/digest.py).
An item the database itself would refuse (a NUL or a lone surrogate in any text field: PostgreSQL refuses NUL in
text, no UTF-8 holds a surrogate; any other value it refuses as data) is quarantined like any bad item — it must
never stall its feed — and the quarantine row itself is always storable. A quarantined item is logged at WARNING
once, when it is first kept (platform, message id, reason); a re-delivery of the same bytes counts as a duplicate.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import DataError
from sqlmodel import Session, select

from adapter.inbox.digest import CONFLICT, envelope_digest, report_conflict, same_message
from adapter.masking import mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, find_case, transition
from adapter.persistence.tables import InboxRow, QuarantineRow
from adapter.platforms.registry import PlatformLink
from adapter.states import Event, IllegalTransition
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock, china_text, to_utc
from schemas.enums import CourtDecisionKind, Flow, JcResult
from schemas.envelope import CourtDecisionBody, DispatchBody, Envelope
from signing import SignatureInvalid

log = logging.getLogger("docking.ingest")

# How far ahead of our clock a pulled item may be signed. Generous next to a request's five minutes (a feed item is
# never replayed against a live window), yet it catches a unit or zone error: a court whose epoch time is its China
# wall clock read as UTC signs eight hours ahead.
FEED_CLOCK_SKEW = timedelta(hours=1)


class Ingested(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    CONFLICT = "conflict"  # quarantined too, and alerted: an applied message id with another body


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


@dataclass(frozen=True)
class Outcome:
    """How one item ended. `kept`: a quarantined item was stored now (False: the same bytes were already kept,
    e.g. a feed re-delivering a bad item — it is counted as a duplicate and not logged again)."""

    result: Ingested
    reason: str = ""  # quarantined: the reason code (unknown_key, invalid, …)
    detail: str = ""
    message_id: str | None = None
    case_id: str | None = None
    kept: bool = False
    quarantine_id: int | None = None


# Called inside the transaction that records the outcome (adapter/inbox/quarantine.py marks the row it reprocesses).
Settle = Callable[[Session, Outcome], None]


def ingest(uow: UnitOfWork, link: PlatformLink, feed: str, item: RawInbound, clock: Clock) -> Ingested:
    """Verify, decode and apply one item; see `ingest_item`. A bad item kept before counts as a duplicate."""
    outcome = ingest_item(uow, link, feed, item, clock)
    if outcome.result is Ingested.QUARANTINED and not outcome.kept:
        return Ingested.DUPLICATE
    return outcome.result


def ingest_item(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: str,
    item: RawInbound,
    clock: Clock,
    *,
    received_at: datetime | None = None,
    settle: Settle | None = None,
) -> Outcome:
    """The one ingest path — the feeds, reconciliation's fetches and an operator's reprocessing all use it.

    `received_at`: when the bytes reached us (default: now). The feed's maximum age and clock skew are measured to
    it, so a message reprocessed from quarantine days later is judged as it was when it arrived.
    `settle(session, outcome)` runs in the transaction that records the outcome."""
    platform = link.name
    envelope: Envelope | None = None
    try:
        # Pulled items are verified (key, signature), bound to their own message id, and held to a generous
        # maximum age rather than a request's minutes: a feed is read whenever the adapter is up. Repeats of an
        # applied message are dropped by the inbox.
        verified = link.verifier.verify(item.body, item.headers)
        arrived = received_at or clock()
        stale = verified.issued_at is not None and verified.issued_at < arrived - link.feed_max_age
        if verified.issued_at is not None and verified.issued_at > arrived + FEED_CLOCK_SKEW:
            raise SignatureInvalid(
                SignatureInvalid.FUTURE,
                f"signed {china_text(verified.issued_at, seconds=False)}, more than {FEED_CLOCK_SKEW} ahead of our "
                "clock",
            )
        envelope = link.connector.decode(item)
        if verified.message_id is not None and verified.message_id != envelope.message_id:
            raise SignatureInvalid(
                SignatureInvalid.MISMATCH,
                f"signed for message {verified.message_id!r}, but the body is message {envelope.message_id!r}",
            )
        # Too old to apply — unless it is a message we applied: a court feed re-read from its start (a restart behind
        # our cursor) repeats its whole history, which is a duplicate (or a conflict), never a quarantined `stale`.
        if stale and not _applied(uow, platform, envelope.message_id):
            assert verified.issued_at is not None
            raise SignatureInvalid(
                SignatureInvalid.STALE,
                f"signed {china_text(verified.issued_at, seconds=False)}, past the feed's maximum age of "
                f"{link.feed_max_age}",
            )
        unstorable = _unstorable(envelope.model_dump())
        if unstorable:
            raise PayloadError(platform, "invalid", f"{unstorable}, which the database cannot store")
    except SignatureInvalid as exc:
        return _quarantine(uow, link, feed, item, clock, exc.reason, exc.detail, envelope, settle)
    except PayloadError as exc:
        return _quarantine(uow, link, feed, item, clock, exc.reason, exc.detail, envelope, settle)
    except Exception as exc:  # a decoder bug on one item: keep the bytes, never stall the whole feed on it
        detail = f"{type(exc).__name__} while decoding"
        return _quarantine(uow, link, feed, item, clock, "undecodable", detail, envelope, settle)
    try:
        outcome = _store(uow, platform, feed, item, clock, envelope, settle)
    except DataError as exc:  # a value this database refuses (too long for its column, out of range …)
        detail = f"the database refuses a value in message {envelope.message_id!r}: {type(exc.orig).__name__}"
        return _quarantine(uow, link, feed, item, clock, "unstorable", detail, envelope, settle)
    _log_kept(platform, outcome)
    return outcome


def _applied(uow: UnitOfWork, platform: str, message_id: str) -> bool:
    with uow.begin() as session:
        seen = select(InboxRow.id).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        return session.exec(seen).first() is not None


def _store(
    uow: UnitOfWork,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    envelope: Envelope,
    settle: Settle | None,
) -> Outcome:
    with uow.begin() as session:
        outcome = _record(session, platform, feed, item, clock, envelope)
        if settle is not None:
            settle(session, outcome)
    return outcome


def _record(session: Session, platform: str, feed: str, item: RawInbound, clock: Clock, envelope: Envelope) -> Outcome:
    digest = envelope_digest(envelope)
    seen = select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == envelope.message_id)
    applied = session.exec(seen).first()
    if applied is not None:
        if same_message(platform, envelope.message_id, applied.body_sha256, digest):
            return Outcome(Ingested.DUPLICATE, message_id=envelope.message_id)
        assert applied.body_sha256 is not None  # same_message takes an unknown digest as the same message
        detail = report_conflict(session, platform, envelope.message_id, applied.body_sha256, digest)
        kept = _keep(session, platform, feed, item, clock, CONFLICT, detail, envelope.message_id)
        return replace(kept, result=Ingested.CONFLICT)
    try:
        with session.begin_nested():  # a refusal part-way through leaves nothing of the message behind
            case_id = _apply(session, platform, envelope, clock)
    except NotApplicable as exc:
        return _keep(session, platform, feed, item, clock, exc.reason, str(exc), envelope.message_id)
    session.add(
        InboxRow(
            platform=platform,
            message_id=envelope.message_id,
            type=envelope.type.value,
            case_id=case_id,
            received_at=to_utc(clock()),
            body_sha256=digest,
        )
    )
    return Outcome(Ingested.APPLIED, message_id=envelope.message_id, case_id=case_id)


def _apply(session: Session, platform: str, envelope: Envelope, clock: Clock) -> str:
    now, actor = clock(), f"court:{platform}"
    body = envelope.body
    if isinstance(body, DispatchBody):
        if body.dispatch.flow is Flow.SELF_RECEIVED:
            raise NotApplicable("invalid", "a court cannot dispatch a self-received (flow C) case")
        if find_case(session, platform, envelope.platform_case_id) is not None:
            raise NotApplicable("case_exists", f"case {envelope.platform_case_id} was already dispatched")
        case = create_case(session, body.dispatch, platform, now)
        # It reached the centre's platform inbox when the court published it: not before its dispatch time, nor
        # before the feed item carrying it was issued (domain.md §3, e-service [S3 Art 90]).
        case.court_dispatched_at = to_utc(max(body.dispatch.dispatched_at, envelope.created_at))
        detail = f"message {envelope.message_id}"
        flags = body.dispatch.flags  # an unknown court or type code, an odd phone: flagged, not refused
        if flags:  # recorded as received; `docking cases show` reads them from the stored dispatch
            detail += "; flagged: " + "; ".join(flags)
            log.warning("%s case %s flagged: %s", platform, envelope.platform_case_id, "; ".join(flags))
        transition(session, case, Event.REGISTER, actor=actor, at=now, detail=detail)
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
        try:
            transition(session, found, event, actor=actor, at=now, detail=decision.model_dump_json())
        except IllegalTransition as exc:
            raise NotApplicable("illegal_transition", str(exc)) from exc
        return found.id
    raise NotApplicable("unexpected_type", f"{envelope.type.value} is not a message a court sends")


def _quarantine(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: str,
    item: RawInbound,
    clock: Clock,
    reason: str,
    detail: str,
    envelope: Envelope | None,
    settle: Settle | None,
) -> Outcome:
    message_id = envelope.message_id if envelope is not None else _claimed_id(link, item)
    with uow.begin() as session:
        outcome = _keep(session, link.name, feed, item, clock, reason, detail, message_id)
        if settle is not None:
            settle(session, outcome)
    _log_kept(link.name, outcome)
    return outcome


def _claimed_id(link: PlatformLink, item: RawInbound) -> str | None:
    """The message id a refused item claims, read without trusting it, so the log and `quarantine show` can name
    the message the court will ask about; None if even that cannot be read."""
    try:
        return link.connector.decode(item).message_id
    except Exception:  # the item is already being refused; its id is only a label
        return None


def _keep(
    session: Session,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    reason: str,
    detail: str,
    message_id: str | None,
) -> Outcome:
    """Store the item with its reason, once: the same bytes from the same platform are kept only the first time."""
    digest = hashlib.sha256(item.body).hexdigest()
    again = select(QuarantineRow.id).where(QuarantineRow.platform == platform, QuarantineRow.raw_sha256 == digest)
    storable_id = message_id if message_id is None or _unstorable(message_id) is None else None
    existing = session.exec(again).first()
    if existing is not None:
        return Outcome(Ingested.QUARANTINED, reason, _storable(detail[:2000]), storable_id, quarantine_id=existing)
    headers = {"position": item.position, **item.headers}
    row = QuarantineRow(
        platform=platform,
        feed=feed,
        received_at=to_utc(clock()),
        reason=reason,
        detail=_storable(detail[:2000]),
        raw=item.body,
        raw_sha256=digest,
        message_id=storable_id,
        # \u escapes for a header holding what the database cannot store (json.dumps escapes NUL already)
        headers_json=json.dumps(headers, ensure_ascii=_unstorable(headers) is not None),
    )
    session.add(row)
    session.flush()  # the id, for the log line and the operator
    return Outcome(Ingested.QUARANTINED, reason, row.detail, storable_id, kept=True, quarantine_id=row.id)


def _log_kept(platform: str, outcome: Outcome) -> None:
    """One WARNING per item kept, after it is committed — never again for a re-delivery of the same bytes. A conflict
    is said by adapter/inbox/digest.py instead (a WARNING each time, an ERROR once per message id)."""
    if outcome.kept and outcome.reason != CONFLICT:
        log.warning(
            "%s: message %s quarantined (%s): %s — see `docking quarantine show %s`",
            platform,
            outcome.message_id or "(id unreadable)",
            outcome.reason,
            mask_text(outcome.detail)[:300],
            outcome.quarantine_id,
        )


def _unstorable(value: object) -> str | None:
    """Where `value` (a message as plain data) holds text no database of ours can store, said without the text:
    "field dispatch.parties[0].name holds NUL (U+0000)"; None if all of it can be stored."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:  # a walk, not recursion: a message's nesting is the court's choice
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return f"field {path or 'text'} holds NUL (U+0000)"
            bad = next((c for c in node if "\ud800" <= c <= "\udfff"), None)
            if bad is not None:
                return f"field {path or 'text'} holds a lone surrogate (U+{ord(bad):04X})"
        elif isinstance(node, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child) for key, child in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((f"{path}[{n}]", child) for n, child in enumerate(node))
    return None


def _storable(text: str) -> str:
    """`text` with NUL and lone surrogates written as escapes, for a quarantine detail."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
