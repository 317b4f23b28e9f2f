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
from datetime import datetime

from sqlalchemy.exc import DataError
from sqlmodel import select

from adapter.inbox.apply import store
from adapter.inbox.examine import FEED_CLOCK_SKEW, Checked, conclude, examine
from adapter.inbox.item_outcome import Ingested, Outcome, Settle
from adapter.inbox.refusal import log_kept, quarantine
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import InboxRow
from adapter.platforms.registry import PlatformLink
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock, china_text, from_db
from signing import SignatureInvalid

log = logging.getLogger("docking.ingest")


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
    not the item's: the poll fails, nothing is quarantined, the item is read again).

    Pulled items are verified (key, signature), bound to their own message id, and held to a generous maximum age
    rather than a request's minutes: a feed is read whenever the adapter is up. Repeats of an applied message are
    dropped by the inbox. The steps: adapter/inbox/examine.py."""
    examined = examine(link.verifier, link.connector, item)
    return conclude(examined, arrived=received_at or clock(), max_age=link.feed_max_age, applied=applied)


def was_applied(uow: UnitOfWork, platform: str, message_id: str) -> bool:
    with uow.begin() as session:
        seen = select(InboxRow.id).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        return session.exec(seen).first() is not None
