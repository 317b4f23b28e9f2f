"""Reprocessing a desk's quarantined item (feed "complaints"): once what refused it is fixed — the complaint it is
about has arrived, the desk's new key is configured — its kept bytes are decoded (signature verified with today's
keys) and applied, and the quarantine row marked in the same transaction (applied, or already applied: reprocessed);
still refused, the row keeps the new reason. Audited like `docking quarantine reprocess` (adapter/inbox/quarantine.py),
which serves the courts' feeds.
"""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapter.complaints.inbound import FEED, WrongDesk, apply_in
from adapter.complaints.states import IllegalComplaintTransition
from adapter.errors import InvalidRequest
from adapter.inbox.quarantine import load, split_headers
from adapter.masking import mask_text
from adapter.persistence.complaint_store import ComplaintNotFound
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, QuarantineRow, QuarantineStatus
from connectors.desk_port import ComplaintDesk
from connectors.port import PayloadError, RawInbound
from schemas.clock import Clock, to_utc

REFUSALS = (PayloadError, ComplaintNotFound, WrongDesk, IllegalComplaintTransition, InvalidRequest)


def reprocess(uow: UnitOfWork, desk: ComplaintDesk, quarantine_id: int, *, actor: str, note: str, clock: Clock) -> str:
    """Apply one kept item of `desk` again; returns what became of it. InvalidRequest when the row is not this
    desk's complaint item or is no longer open."""
    row = load(uow, quarantine_id)
    if row.platform != desk.name or row.feed != FEED:
        raise InvalidRequest(
            f"quarantined message {quarantine_id} is {row.platform}/{row.feed}, not a complaint item of desk "
            f"{desk.name}; `docking quarantine reprocess` serves the courts' feeds"
        )
    if row.status != QuarantineStatus.OPEN:
        raise InvalidRequest(f"quarantined message {quarantine_id} is {row.status}: {row.outcome or row.note}")
    headers, position = split_headers(row)
    item = RawInbound(body=row.raw, headers=headers, position=position)
    try:
        envelope = desk.decode(item)
        with uow.begin() as session:
            result = apply_in(session, desk.name, envelope, clock())
            summary = f"{result} (message {envelope.message_id}, complaint {envelope.complaint_id})"
            mark(session, quarantine_id, summary, None, actor=actor, note=note, clock=clock)
        return summary
    except IntegrityError:  # applied meanwhile by the feed or a push: the inbox key refused ours
        summary = "already applied: nothing changed"
        reason = None
    except REFUSALS as exc:
        reason = getattr(exc, "reason", None) or (
            "unknown_complaint" if isinstance(exc, ComplaintNotFound) else type(exc).__name__
        )
        summary = f"still refused: {reason}: {mask_text(str(exc))[:300]}"
    with uow.begin() as session:
        mark(session, quarantine_id, summary, reason, actor=actor, note=note, clock=clock)
    return summary


def mark(
    session: Session, quarantine_id: int, summary: str, reason: str | None, *, actor: str, note: str, clock: Clock
) -> None:
    """Record what a reprocessing made of a quarantined item (reason None: reprocessed; else still refused, with the
    new reason), audited `quarantine-reprocess`; also for the partners' items (adapter/partners/reprocess.py)."""
    row = session.get(QuarantineRow, quarantine_id)
    assert row is not None  # loaded a moment ago; open rows are never deleted
    if reason is None:
        row.status = QuarantineStatus.REPROCESSED
    else:
        row.reason, row.detail = reason[:40], summary
    at = to_utc(clock())
    row.outcome, row.handled_by, row.handled_at = summary, actor, at
    if note:
        row.note = note
    session.add(row)
    subject = f"quarantine:{row.id}" + (f" {row.message_id}" if row.message_id else "")
    text = summary + (f"; note: {note}" if note else "")
    session.add(AuditRow(at=at, actor=actor, action="quarantine-reprocess", subject=subject, reason=text))
