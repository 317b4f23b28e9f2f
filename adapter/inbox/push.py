"""A court that pushes: one item POSTed by the court (a dispatch, a decision) taken in through the ingest path.

The order, each step on the raw bytes as they arrived:

1. size: past the platform's `push_max_bytes` → refused `oversized` (what was read is kept);
2. the request: the platform's own verifier (the one its polled feed uses), a signed time within ±`window` and a
   signed message id (signing/base.py `check`) → else refused with the verifier's reason and kept;
3. the persisted replay guard (adapter/inbox/replay_guard.py, scope `push:<platform>`) records the message id for
   the window. An id seen before is a repeat: a retry after a lost answer (same body) must be answered `duplicate`
   with the first result, and a different body under that id refused — decided below from what was stored;
4. the one ingest path (adapter/inbox/ingest.py `ingest_item`): inbox dedupe by message id, apply, or quarantine.

Everything is committed before the caller answers, so an item is never lost between a 2xx and its commit, and a
retry finds it (inbox or quarantine) and is answered `duplicate` — never applied twice.
"""

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from adapter.inbox.ingest import ingest_item
from adapter.inbox.item_outcome import Ingested, Outcome
from adapter.inbox.refusal import quarantine
from adapter.inbox.replay_guard import SqlReplayGuard
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, InboxRow, OutboxRow, OutboxStatus, QuarantineRow
from adapter.platforms.registry import PlatformLink
from connectors.port import Feed, RawInbound
from schemas.clock import Clock, from_db, to_utc
from signing.base import check
from signing.errors import SignatureInvalid

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
REPLAYED = "replayed"
_STRIPES = tuple(threading.Lock() for _ in range(64))
PUSH_WINDOW = timedelta(minutes=5)


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
        verified = check(link.verifier, body, headers, now=now, window=window)
        if not verified.message_id:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{link.verifier.profile}: no signed message id")
    except SignatureInvalid as exc:
        return _refused(uow, link, feed, item, clock, exc.reason, exc.detail)
    assert verified.issued_at is not None  # check() refuses an unsigned time
    guard = SqlReplayGuard(uow)
    scope = f"push:{link.name}"
    if not guard.first_sighting(scope, verified.message_id, now=now, until=verified.issued_at + window):
        repeat = _repeat(uow, link.name, verified.message_id, body)
        if repeat == REPLAYED:
            detail = f"message {verified.message_id!r} was refused before with another body"
            return _refused(uow, link, feed, item, clock, SignatureInvalid.REPLAYED, detail)
        if isinstance(repeat, Pushed):
            return repeat
        # Seen, yet nothing stored under it: the first push died before its commit — take it in now.
    signed_id = verified.message_id

    def label(session: Session, outcome: Outcome) -> None:
        """A kept item whose id cannot be read from its body is filed under its signed id, in the same
        transaction, so a repeat of that id finds it (`_repeat`)."""
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
    if outcome.result is Ingested.QUARANTINED and not outcome.kept:  # these very bytes were refused before
        first = _first_refusal(uow, link.name, body)
        return Pushed(DUPLICATE, outcome.message_id, reason=outcome.reason, detail=outcome.detail, first=first)
    return Pushed(
        REJECTED,
        outcome.message_id,
        reason=outcome.reason,
        detail=outcome.detail,
        quarantine_id=outcome.quarantine_id,
    )


def _refused(
    uow: UnitOfWork, link: PlatformLink, feed: Feed, item: RawInbound, clock: Clock, reason: str, detail: str
) -> Pushed:
    outcome = quarantine(uow, link, feed.value, item, clock, reason, detail, None, None)
    return Pushed(REJECTED, outcome.message_id, reason=reason, detail=detail, quarantine_id=outcome.quarantine_id)


def _repeat(uow: UnitOfWork, platform: str, message_id: str, body: bytes) -> Pushed | str | None:
    """A message id the guard saw within its window: None if nothing was stored under it (ingest it); else the
    answer (REPLAYED: another body under an id refused before). An applied id goes to ingest too, which tells a
    duplicate from a conflict by the envelope's digest."""
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
        same = [row for row in kept if row.raw_sha256 == digest]
        if same:
            return Pushed(DUPLICATE, message_id, reason=same[0].reason, first=f"{REJECTED}: {same[0].reason}")
    return REPLAYED


def _first_refusal(uow: UnitOfWork, platform: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    with uow.begin() as session:
        row = session.exec(
            select(QuarantineRow).where(QuarantineRow.platform == platform, QuarantineRow.raw_sha256 == digest)
        ).first()
        return f"{REJECTED}: {row.reason}" if row is not None else REJECTED


def _case_of(uow: UnitOfWork, platform: str, message_id: str | None) -> str | None:
    if message_id is None:
        return None
    with uow.begin() as session:
        row = session.exec(
            select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
        ).first()
        return getattr(row, "case_id", None) if row is not None else None


# ---- receipts: the court says it has (or refused) one of OUR messages -------------------------------------------
# Body: {"receipt_id": "…", "message_id": "<our message id>", "result": "applied" | "duplicate" | "rejected",
# "code": "…", "detail": "…"}, signed by the court (its signed id: the receipt id, recorded by the replay guard).
# applied / duplicate: an outbox row of this platform still pending or dead (our send's answer was lost, or we gave
# up) is marked delivered — unless a worker holds it right now, whose send records the court's answer itself.
# rejected: said in the audit table; the send path already handles the court's synchronous refusals.

COURT_RESULTS = ("applied", "duplicate", "rejected")


def receive_receipt(
    uow: UnitOfWork,
    link: PlatformLink,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    *,
    max_bytes: int,
    window: timedelta = PUSH_WINDOW,
) -> Pushed:
    """Take one receipt of ours in; refused ones are kept in quarantine (feed "receipts") with the reason."""
    item = RawInbound(body=body[: max_bytes + 1], headers=headers)
    feed = "receipts"
    if len(body) > max_bytes:
        return _kept(uow, link, feed, item, clock, "oversized", f"{len(body)} bytes or more, past {max_bytes}")
    now = clock()
    try:
        verified = check(
            link.verifier,
            body,
            headers,
            now=now,
            window=window,
            replay=SqlReplayGuard(uow),
            scope=f"push-receipt:{link.name}",
        )
    except SignatureInvalid as exc:
        if exc.reason == SignatureInvalid.REPLAYED:  # the same signed receipt again: harmless, answered as before
            return Pushed(DUPLICATE, first=ACCEPTED)
        return _kept(uow, link, feed, item, clock, exc.reason, exc.detail)
    try:
        doc = json.loads(body)
        message_id, result = doc["message_id"], doc["result"]
        if not isinstance(message_id, str) or result not in COURT_RESULTS:
            raise ValueError("message_id must be text and result one of " + ", ".join(COURT_RESULTS))
    except (ValueError, KeyError, TypeError) as exc:
        return _kept(uow, link, feed, item, clock, "malformed", f"not a receipt: {type(exc).__name__}: {exc}"[:300])
    if verified.message_id and doc.get("receipt_id") not in (None, verified.message_id):
        detail = f"signed for receipt {verified.message_id!r}, but the body is receipt {doc.get('receipt_id')!r}"
        return _kept(uow, link, feed, item, clock, SignatureInvalid.MISMATCH, detail)
    with uow.begin() as session:
        row = session.exec(
            select(OutboxRow).where(OutboxRow.message_id == message_id, OutboxRow.platform == link.name)
        ).first()
        if row is None:
            detail = f"no message {message_id!r} of ours was sent to {link.name}"
        else:
            at = to_utc(now)
            claimed = row.claimed_until is not None and from_db(row.claimed_until) > now
            if result != "rejected" and row.status != OutboxStatus.DELIVERED and not claimed:
                row.status, row.delivered_at = OutboxStatus.DELIVERED, at
                row.claimed_by, row.claimed_until = None, None
                session.add(row)
            said = f"court receipt {result}" + (
                f" ({doc.get('code')}: {doc.get('detail')})" if result == "rejected" else ""
            )
            session.add(
                AuditRow(
                    at=at, actor=f"court:{link.name}", action="court-receipt", subject=message_id, reason=said[:2000]
                )
            )
            return Pushed(ACCEPTED, message_id, row.case_id)
    return _kept(uow, link, feed, item, clock, "unknown_message", detail)


def _kept(
    uow: UnitOfWork, link: PlatformLink, feed: str, item: RawInbound, clock: Clock, reason: str, detail: str
) -> Pushed:
    outcome = quarantine(uow, link, feed, item, clock, reason, detail, None, None)
    return Pushed(REJECTED, outcome.message_id, reason=reason, detail=detail, quarantine_id=outcome.quarantine_id)
