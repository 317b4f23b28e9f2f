"""A court that pushes: one item POSTed by the court (a dispatch, a decision) taken in through the ingest path.

The order, each step on the raw bytes as they arrived:

1. size: past the platform's `push_max_bytes` → refused `oversized` (what was read is kept);
2. the request: the platform's own verifier (the one its polled feed uses), a signed time within ±`window` (the
   platform's `push_window_seconds`, default 300) and a signed message id (signing/base.py `check`) → else refused
   with the verifier's reason and kept;
3. the persisted replay guard (adapter/inbox/replay_guard.py, scope `push:<platform>`): an id seen within its
   window is a repeat: a retry after a lost answer (same body) is taken in again — `duplicate` citing `accepted`
   if it was applied, refused again with its reason if it was refused — and a different body under an id refused
   before is refused as `replayed`;
4. the one ingest path (adapter/inbox/ingest.py `ingest_item`): inbox dedupe by message id, apply, or quarantine.
   The guard's record of the id is written in that same transaction (`remember` in `settle`), so an id is never
   recorded for an item whose effect did not commit.

Authentication comes first, every time: a request refused at 1 or 2 is refused whatever was seen before, and a
refusal is never answered 2xx (only an applied item is a `duplicate`). Everything is committed before the caller
answers, so an item is never lost between a 2xx and its commit, and a retry finds it (inbox or quarantine) —
never applied twice. The court's receipts of
our messages: adapter/inbox/push_receipts.py.
"""

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from adapter.inbox.ingest import ingest_item
from adapter.inbox.item_outcome import Ingested, Outcome
from adapter.inbox.refusal import quarantine
from adapter.inbox.replay_guard import remember, seen
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import InboxRow, QuarantineRow
from adapter.platforms.registry import PlatformLink
from connectors.port import Feed, RawInbound
from schemas.clock import Clock
from signing.base import Verified, check
from signing.errors import SignatureInvalid

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
REPLAYED = "replayed"
_STRIPES = tuple(threading.Lock() for _ in range(64))
PUSH_WINDOW = timedelta(minutes=5)  # the default of [platforms.X] push_window_seconds (adapter/config/platform.py)


@dataclass(frozen=True)
class Pushed:
    """The answer to one push: `result` accepted / duplicate / rejected; `first` is a duplicate's first result
    ("accepted", or "rejected: <reason>"); `reason`/`detail` say why an item was rejected."""

    result: str
    message_id: str | None = None
    case_id: str | None = None
    reason: str = ""
    detail: str = ""
    first: str = ""
    quarantine_id: int | None = None


def receive(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: Feed,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    *,
    max_bytes: int,
    window: timedelta = PUSH_WINDOW,
) -> Pushed:
    """Take one pushed item in (module doc); everything it decides is committed when it returns."""
    item = RawInbound(body=body[: max_bytes + 1], headers=headers)
    if len(body) > max_bytes:
        return _refused(uow, link, feed, item, clock, "oversized", f"{len(body)} bytes or more, past {max_bytes}")
    now = clock()
    try:
        verified, signed_id = verified_with_id(link, body, headers, now=now, window=window, noun="message")
    except SignatureInvalid as exc:
        return _refused(uow, link, feed, item, clock, exc.reason, windowed(exc, link.name, window))
    assert verified.issued_at is not None  # check() refuses an unsigned time
    scope, until = f"push:{link.name}", verified.issued_at + window
    with uow.begin() as session:
        repeated = seen(session, scope, signed_id, now=now)
    if repeated:
        repeat = _repeat(uow, link.name, signed_id, body)
        if repeat == REPLAYED:
            detail = f"message {signed_id!r} was refused before with another body"
            return _refused(uow, link, feed, item, clock, SignatureInvalid.REPLAYED, detail)
        # Seen, yet nothing stored under it (recorded by an older release before its effect): take it in now.

    def label(session: Session, outcome: Outcome) -> None:
        """In the transaction of the outcome: the replay guard's record of the signed id; and a kept item whose id
        cannot be read from its body is filed under its signed id, so a repeat of that id finds it (`_repeat`)."""
        remember(session, scope, signed_id, until=until)
        if outcome.result is Ingested.QUARANTINED and outcome.kept and outcome.quarantine_id is not None:
            row = session.get(QuarantineRow, outcome.quarantine_id)
            if row is not None and not row.message_id:
                row.message_id = signed_id[:64]
                session.add(row)

    # Two copies of one item pushed at once (a court retrying while its first try is still being taken in) would
    # race between the inbox check and the insert: the database keeps one, but the other would be answered with an
    # error or kept as `case_exists`. Serialised here per message id within this process; across processes the
    # inbox's unique key still applies it once, and the loser's retry after an IntegrityError finds it.
    with _STRIPES[hash((link.name, signed_id)) % len(_STRIPES)]:
        try:
            outcome = ingest_item(uow, link, feed.value, item, clock, settle=label)
        except IntegrityError:
            outcome = ingest_item(uow, link, feed.value, item, clock, settle=label)
    if outcome.result is Ingested.APPLIED:
        return Pushed(ACCEPTED, outcome.message_id, outcome.case_id)
    if outcome.result is Ingested.DUPLICATE:
        return Pushed(DUPLICATE, outcome.message_id, _case_of(uow, link.name, outcome.message_id), first=ACCEPTED)
    return Pushed(
        REJECTED,
        outcome.message_id,
        reason=outcome.reason,
        detail=outcome.detail,
        quarantine_id=outcome.quarantine_id,
    )


def verified_with_id(
    link: PlatformLink, body: bytes, headers: dict[str, str], *, now: datetime, window: timedelta, noun: str
) -> tuple[Verified, str]:
    """The push's signature checked with the platform's profile within ±`window` of `now`, and a signed id required
    (the replay guard and the repeat answers key on it): the verified item and that id. SignatureInvalid names what
    failed."""
    verified = check(link.verifier, body, headers, now=now, window=window)
    if not verified.message_id:
        raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{link.verifier.profile}: no signed {noun} id")
    return verified, verified.message_id


def windowed(exc: SignatureInvalid, platform: str, window: timedelta) -> str:
    """The refusal's detail; a time outside the window names the setting that sets it."""
    if exc.reason in (SignatureInvalid.STALE, SignatureInvalid.FUTURE):
        seconds = int(window.total_seconds())
        return f"{exc.detail}: outside ±{seconds} s ([platforms.{platform}] push_window_seconds)"
    return exc.detail


def _refused(
    uow: UnitOfWork, link: PlatformLink, feed: Feed, item: RawInbound, clock: Clock, reason: str, detail: str
) -> Pushed:
    outcome = quarantine(uow, link, feed.value, item, clock, reason, detail, None, None)
    return Pushed(REJECTED, outcome.message_id, reason=reason, detail=detail, quarantine_id=outcome.quarantine_id)


def _repeat(uow: UnitOfWork, platform: str, message_id: str, body: bytes) -> str | None:
    """A message id the guard saw within its window: REPLAYED if only other bodies were kept under an id refused
    before; else None (ingest it: an applied id's ingest tells a duplicate from a conflict by the envelope's digest,
    and the same refused bytes are refused again with their reason — never a 2xx)."""
    digest = hashlib.sha256(body).hexdigest()
    with uow.begin() as session:
        applied = session.exec(
            select(InboxRow.id).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        ).first()
        if applied is not None:
            return None
        kept = session.exec(
            select(QuarantineRow)
            .where(QuarantineRow.platform == platform, QuarantineRow.message_id == message_id)
            .order_by(col(QuarantineRow.id))
        ).all()
        if not kept:
            return None
        if any(row.raw_sha256 == digest for row in kept):
            return None
    return REPLAYED


def _case_of(uow: UnitOfWork, platform: str, message_id: str | None) -> str | None:
    if message_id is None:
        return None
    with uow.begin() as session:
        row = session.exec(
            select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        ).first()
        return getattr(row, "case_id", None) if row is not None else None
