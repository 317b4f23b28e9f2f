"""The court's receipt of one of OUR messages, pushed to POST /api/court/v1/receipts (partners.md §6).

Body: {"receipt_id": "…", "message_id": "<our message id>", "result": "applied" | "duplicate" | "rejected",
"code": "…", "detail": "…"}, signed by the court with its signed id = the receipt id.

applied / duplicate: an outbox row of this platform still pending or dead (our send's answer was lost, or we gave
up) is marked delivered — unless a worker holds it right now, whose send records the court's answer itself.
rejected: said in the audit table; the send path already handles the court's synchronous refusals.

One transaction holds the effect, its audit row (which names the receipt id and the body's digest) and the replay
guard's record of the receipt id: nothing is recorded for a receipt whose effect did not commit, so a receipt
retried after a failure is taken in, and one retried after a lost answer is answered `duplicate` with the first
result. The same receipt id with another body is refused as `replayed`. A refused receipt is kept in quarantine
(feed "receipts", once); the same bytes pushed again are refused again — a refusal is never answered 2xx.
"""

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from adapter.inbox.push import ACCEPTED, DUPLICATE, PUSH_WINDOW, REJECTED, Pushed, verified_with_id, windowed
from adapter.inbox.refusal import quarantine
from adapter.inbox.replay_guard import remember, seen
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, OutboxRow, OutboxStatus
from adapter.platforms.registry import PlatformLink
from connectors.port import RawInbound
from schemas.clock import Clock, from_db, to_utc
from signing.errors import SignatureInvalid

COURT_RESULTS = ("applied", "duplicate", "rejected")
FEED = "receipts"


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
    """Take one receipt of ours in (module doc); everything it decides is committed when it returns."""
    item = RawInbound(body=body[: max_bytes + 1], headers=headers)
    if len(body) > max_bytes:
        return _kept(uow, link, item, clock, "oversized", f"{len(body)} bytes or more, past {max_bytes}")
    now = clock()
    try:
        verified, receipt_id = verified_with_id(link, body, headers, now=now, window=window, noun="receipt")
    except SignatureInvalid as exc:
        return _kept(uow, link, item, clock, exc.reason, windowed(exc, link.name, window))
    assert verified.issued_at is not None  # check() refuses an unsigned time
    try:
        doc = json.loads(body)
        message_id, result = doc["message_id"], doc["result"]
        if not isinstance(message_id, str) or result not in COURT_RESULTS:
            raise ValueError("message_id must be text and result one of " + ", ".join(COURT_RESULTS))
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"not a receipt: {type(exc).__name__}: {exc}"[:300]
        return _kept(uow, link, item, clock, "malformed", detail)
    if doc.get("receipt_id") not in (None, receipt_id):
        detail = f"signed for receipt {receipt_id!r}, but the body is receipt {doc.get('receipt_id')!r}"
        return _kept(uow, link, item, clock, SignatureInvalid.MISMATCH, detail)
    tag = f"[receipt {receipt_id} sha256 {hashlib.sha256(body).hexdigest()[:32]}]"
    for _ in range(2):  # a concurrent copy of this receipt commits first: the second pass answers it as a repeat
        try:
            with uow.begin() as session:
                answer = _take(session, link.name, doc, receipt_id, tag, now, until=verified.issued_at + window)
            break
        except IntegrityError:
            continue
    else:
        answer = SignatureInvalid.REPLAYED, f"receipt {receipt_id!r} is being taken in by another request"
    if isinstance(answer, Pushed):
        return answer
    reason, detail = answer
    return _kept(uow, link, item, clock, reason, detail)


def _take(
    session: Session, platform: str, doc: dict[str, str], receipt_id: str, tag: str, now: datetime, *, until: datetime
) -> Pushed | tuple[str, str]:
    """In one transaction: a repeat's first answer, or the receipt's effect + audit + guard record; or the
    (reason, detail) of a refusal, kept by the caller."""
    message_id, result = doc["message_id"], doc["result"]
    scope = f"push-receipt:{platform}"
    if seen(session, scope, receipt_id, now=now):
        first = session.exec(
            select(AuditRow)
            .where(AuditRow.action == "court-receipt", AuditRow.subject == message_id)
            .where(col(AuditRow.reason).contains(tag, autoescape=True))
        ).first()
        if first is None:
            return SignatureInvalid.REPLAYED, f"receipt {receipt_id!r} was taken in before with another body"
        case_id = session.exec(
            select(OutboxRow.case_id).where(OutboxRow.message_id == message_id, OutboxRow.platform == platform)
        ).first()
        return Pushed(DUPLICATE, message_id, case_id, first=ACCEPTED)
    row = session.exec(
        select(OutboxRow).where(OutboxRow.message_id == message_id, OutboxRow.platform == platform)
    ).first()
    if row is None:
        return "unknown_message", f"no message {message_id!r} of ours was sent to {platform}"
    at = to_utc(now)
    claimed = row.claimed_until is not None and from_db(row.claimed_until) > now
    if result != "rejected" and row.status != OutboxStatus.DELIVERED and not claimed:
        row.status, row.delivered_at = OutboxStatus.DELIVERED, at
        row.claimed_by, row.claimed_until = None, None
        session.add(row)
    said = f"court receipt {result}" + (f" ({doc.get('code')}: {doc.get('detail')})" if result == "rejected" else "")
    reason = f"{said[:1800]} {tag}"
    session.add(AuditRow(at=at, actor=f"court:{platform}", action="court-receipt", subject=message_id, reason=reason))
    remember(session, scope, receipt_id, until=until)
    return Pushed(ACCEPTED, message_id, row.case_id)


def _kept(uow: UnitOfWork, link: PlatformLink, item: RawInbound, clock: Clock, reason: str, detail: str) -> Pushed:
    """Refused and kept (once: the same bytes again point at the first kept row); always `rejected`, never a 2xx —
    a receipt refused before is refused again, and a badly signed one whatever was taken in before."""
    outcome = quarantine(uow, link, FEED, item, clock, reason, detail, None, None)
    return Pushed(REJECTED, outcome.message_id, reason=reason, detail=detail, quarantine_id=outcome.quarantine_id)
