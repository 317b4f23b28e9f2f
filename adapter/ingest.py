"""Applying what a platform sends: verify → decode → drop duplicates → apply, or quarantine with the raw bytes.

Every item ends in exactly one of four ways, each in one transaction: applied (inbox row with the envelope's
digest + case change), duplicate (nothing changes), quarantined (raw bytes + reason; no case changes), or
conflict: quarantined as `conflict` because it reuses an applied message id with another body (adapter/inbox.py).
An item the database itself would refuse (a NUL or a lone surrogate in any text field: PostgreSQL refuses NUL in
text, no UTF-8 holds a surrogate; any other value it refuses as data) is quarantined like any bad item — it must
never stall its feed — and the quarantine row itself is always storable.
"""

import hashlib
import json
import logging
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.exc import DataError
from sqlmodel import Session, select

from adapter.clock import Clock, to_utc
from adapter.db import UnitOfWork
from adapter.inbox import CONFLICT, envelope_digest, report_conflict, same_message
from adapter.platforms import PlatformLink
from adapter.repository import create_case, find_case, transition
from adapter.signing import SignatureInvalid
from adapter.states import Event, IllegalTransition
from adapter.tables import InboxRow, QuarantineRow
from connectors.port import PayloadError, RawInbound
from schemas.enums import CourtDecisionKind, Flow, JcResult
from schemas.envelope import CourtDecisionBody, DispatchBody, Envelope

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


def ingest(uow: UnitOfWork, link: PlatformLink, feed: str, item: RawInbound, clock: Clock) -> Ingested:
    platform = link.name
    try:
        # Pulled items are verified (key, signature), bound to their own message id, and held to a generous
        # maximum age rather than a request's minutes: a feed is read whenever the adapter is up. Repeats of an
        # applied message are dropped by the inbox.
        verified = link.verifier.verify(item.body, item.headers)
        if verified.issued_at is not None and verified.issued_at < clock() - link.feed_max_age:
            raise SignatureInvalid(
                SignatureInvalid.STALE,
                f"signed {verified.issued_at:%Y-%m-%d %H:%M}, past the feed's maximum age of {link.feed_max_age}",
            )
        if verified.issued_at is not None and verified.issued_at > clock() + FEED_CLOCK_SKEW:
            raise SignatureInvalid(
                SignatureInvalid.FUTURE,
                f"signed {verified.issued_at:%Y-%m-%d %H:%M} UTC, more than {FEED_CLOCK_SKEW} ahead of our clock",
            )
        envelope = link.connector.decode(item)
        if verified.message_id is not None and verified.message_id != envelope.message_id:
            raise SignatureInvalid(
                SignatureInvalid.MISMATCH,
                f"signed for message {verified.message_id!r}, but the body is message {envelope.message_id!r}",
            )
        unstorable = _unstorable(envelope.model_dump())
        if unstorable:
            raise PayloadError(platform, "invalid", f"{unstorable}, which the database cannot store")
    except SignatureInvalid as exc:
        return _quarantine(uow, platform, feed, item, clock, exc.reason, exc.detail)
    except PayloadError as exc:
        return _quarantine(uow, platform, feed, item, clock, exc.reason, exc.detail)
    except Exception as exc:  # a decoder bug on one item: keep the bytes, never stall the whole feed on it
        return _quarantine(uow, platform, feed, item, clock, "undecodable", f"{type(exc).__name__} while decoding")
    try:
        return _store(uow, platform, feed, item, clock, envelope)
    except DataError as exc:  # a value this database refuses (too long for its column, out of range …)
        detail = f"the database refuses a value in message {envelope.message_id!r}: {type(exc.orig).__name__}"
        return _quarantine(uow, platform, feed, item, clock, "unstorable", detail)


def _store(uow: UnitOfWork, platform: str, feed: str, item: RawInbound, clock: Clock, envelope: Envelope) -> Ingested:
    digest = envelope_digest(envelope)
    with uow.begin() as session:
        seen = select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == envelope.message_id)
        applied = session.exec(seen).first()
        if applied is not None:
            if same_message(platform, envelope.message_id, applied.body_sha256, digest):
                return Ingested.DUPLICATE
            assert applied.body_sha256 is not None  # same_message takes an unknown digest as the same message
            detail = report_conflict(session, platform, envelope.message_id, applied.body_sha256, digest)
            _keep(session, platform, feed, item, clock, CONFLICT, detail, envelope.message_id)
            return Ingested.CONFLICT
        try:
            with session.begin_nested():  # a refusal part-way through leaves nothing of the message behind
                case_id = _apply(session, platform, envelope, clock)
        except NotApplicable as exc:
            _keep(session, platform, feed, item, clock, exc.reason, str(exc), envelope.message_id)
            return Ingested.QUARANTINED
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
        return Ingested.APPLIED


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
    uow: UnitOfWork, platform: str, feed: str, item: RawInbound, clock: Clock, reason: str, detail: str
) -> Ingested:
    with uow.begin() as session:
        _keep(session, platform, feed, item, clock, reason, detail, None)
    return Ingested.QUARANTINED


def _keep(
    session: Session,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    reason: str,
    detail: str,
    message_id: str | None,
) -> None:
    digest = hashlib.sha256(item.body).hexdigest()
    again = select(QuarantineRow.id).where(QuarantineRow.platform == platform, QuarantineRow.raw_sha256 == digest)
    if session.exec(again).first() is not None:
        return
    headers = {"position": item.position, **item.headers}
    session.add(
        QuarantineRow(
            platform=platform,
            feed=feed,
            received_at=to_utc(clock()),
            reason=reason,
            detail=_storable(detail[:2000]),
            raw=item.body,
            raw_sha256=digest,
            message_id=message_id if message_id is None or _unstorable(message_id) is None else None,
            # \u escapes for a header holding what the database cannot store (json.dumps escapes NUL already)
            headers_json=json.dumps(headers, ensure_ascii=_unstorable(headers) is not None),
        )
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
