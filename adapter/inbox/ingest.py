"""Applying what a platform sends: verify → decode → drop duplicates → apply, or quarantine with the raw bytes.

Every item ends in exactly one of four ways (adapter/inbox/item_outcome.py), each in one transaction: applied (inbox
row with the envelope's digest + case change: adapter/inbox/apply.py), duplicate (nothing changes), quarantined
(raw bytes + reason; no case changes: adapter/inbox/refusal.py), or conflict: quarantined as `conflict` because it
reuses an applied message id with another body (adapter/inbox/digest.py). An item the database itself would refuse
(a NUL or a lone surrogate in any text field; any other value it refuses as data) is quarantined like any bad item
— it must never stall its feed. A quarantined item is logged at WARNING once, when it is first kept (platform,
message id, reason); a re-delivery of the same bytes counts as a duplicate.

The module is this front: the checks before anything is stored, and the routing of each item to one end.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import DataError
from sqlmodel import select

from adapter.inbox.apply import store
from adapter.inbox.item_outcome import Ingested, Outcome, Settle
from adapter.inbox.refusal import log_kept, quarantine, unstorable_model
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import InboxRow
from adapter.platforms.registry import PlatformLink
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock, china_text, from_db
from schemas.envelope import Envelope
from signing import SignatureInvalid

log = logging.getLogger("docking.ingest")

# How far ahead of our clock a pulled item may be signed. Generous next to a request's five minutes (a feed item is
# never replayed against a live window), yet it catches a unit or zone error: a court whose epoch time is its China
# wall clock read as UTC signs eight hours ahead.
FEED_CLOCK_SKEW = timedelta(hours=1)


def refuse_ahead(platform: str, sent_at: datetime, now: datetime) -> None:
    """PayloadError (reason future) for a message signed as sent more than FEED_CLOCK_SKEW ahead of our clock: a
    zone or unit error on the sender's side. Used by the desks' and partners' inbound paths (their envelopes carry
    `sent_at`); no maximum age there — a late answer is still the answer, and a replay is dropped by the inbox."""
    sent = from_db(sent_at)
    if sent > from_db(now) + FEED_CLOCK_SKEW:
        raise PayloadError(platform, SignatureInvalid.FUTURE, f"sent {china_text(sent)}, ahead of our clock")


def ingest(uow: UnitOfWork, link: PlatformLink, feed: str, item: RawInbound, clock: Clock) -> Ingested:
    """Verify, decode and apply one item; see `ingest_item`. A bad item kept before counts as a duplicate."""
    return counted(ingest_item(uow, link, feed, item, clock))


def counted(outcome: Outcome) -> Ingested:
    """How an outcome is counted: a bad item kept before (the same bytes again) counts as a duplicate."""
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
    checked = check(link, item, clock, received_at=received_at, applied=lambda mid: was_applied(uow, platform, mid))
    if checked.refusal is not None:
        return quarantine(uow, link, feed, item, clock, *checked.refusal, checked.envelope, settle)
    envelope = checked.envelope
    assert envelope is not None  # no refusal: it decoded
    try:
        outcome = store(uow, platform, feed, item, clock, envelope, settle)
    except DataError as exc:  # a value this database refuses (too long for its column, out of range …)
        detail = f"the database refuses a value in message {envelope.message_id!r}: {type(exc.orig).__name__}"
        return quarantine(uow, link, feed, item, clock, "unstorable", detail, envelope, settle)
    log_kept(platform, outcome)
    return outcome


@dataclass(frozen=True)
class Checked:
    """An item after the checks made before anything is stored: its envelope (None if it did not decode) and, for
    an item to refuse, (reason, detail) for quarantine."""

    envelope: Envelope | None
    refusal: tuple[str, str] | None = None


def check(
    link: PlatformLink,
    item: RawInbound,
    clock: Clock,
    *,
    received_at: datetime | None,
    applied: Callable[[str], bool],
) -> Checked:
    """Verify (key, signature, message id, signed time), decode and validate one item, touching no database but
    through `applied(message_id)` — asked only of a stale item (was it applied before?). Never raises for the
    item's own faults: they come back as the refusal; raises what `applied` raises (the database failing is ours,
    not the item's: the poll fails, nothing is quarantined, the item is read again)."""
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
        if stale and not _asked(applied, envelope.message_id):
            assert verified.issued_at is not None
            raise SignatureInvalid(
                SignatureInvalid.STALE,
                f"signed {china_text(verified.issued_at, seconds=False)}, past the feed's maximum age of "
                f"{link.feed_max_age}",
            )
        bad_text = unstorable_model(envelope)
        if bad_text:
            raise PayloadError(platform, "invalid", f"{bad_text}, which the database cannot store")
    except SignatureInvalid as exc:
        return Checked(envelope, (exc.reason, exc.detail))
    except PayloadError as exc:
        return Checked(envelope, (exc.reason, exc.detail))
    except _LookupFailed as failed:  # ours, not the item's: the poll fails and reads the item again next time
        error = failed.error
        raise error from error.__cause__  # as it was raised: its own cause kept, this wrapper not chained on
    except Exception as exc:  # a decoder bug on one item: keep the bytes, never stall the whole feed on it
        return Checked(envelope, ("undecodable", f"{type(exc).__name__} while decoding"))
    return Checked(envelope)


class _LookupFailed(Exception):
    """`applied` failed (the database): a fault of ours, not of the item, so it must not be quarantined with it."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _asked(applied: Callable[[str], bool], message_id: str) -> bool:
    try:
        return applied(message_id)
    except Exception as exc:
        raise _LookupFailed(exc) from None


def was_applied(uow: UnitOfWork, platform: str, message_id: str) -> bool:
    with uow.begin() as session:
        seen = select(InboxRow.id).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        return session.exec(seen).first() is not None
