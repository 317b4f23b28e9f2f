"""A complaint as the centre API and the console show it: the list's summary, and one complaint's whole view —
complainant and representative masked (adapter/masking.py: never a full ID or phone number, whatever the role),
history, deadlines (adapter/complaints/deadlines.py on the runtime's calendar and settings), the messages to the
desk with their delivery state, and the events and centre actions its status allows. Times China time."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.deadlines import ComplaintDueDate, complaint_deadlines
from adapter.complaints.facts import facts_of
from adapter.complaints.states import TRANSITIONS, ComplaintStatus
from adapter.deadlines import DueState, WorkCalendar
from adapter.masking import mask_document, mask_id, mask_phone, mask_text
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintOutboxRow, ComplaintRow
from adapter.persistence.tables import OutboxStatus
from api.problems import complaint_actions
from schemas.clock import china_iso
from schemas.complaint import Complaint

LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)


def _time(value: datetime | None) -> str | None:
    return None if value is None else china_iso(value)


def summary(row: ComplaintRow) -> dict[str, Any]:
    """The unsealed columns: what a list shows."""
    return {
        "complaint_id": row.complaint_id,
        "status": row.status,
        "desk": row.desk,
        "desk_ref": row.desk_ref,
        "track": row.track,
        "channel": row.channel,
        "institution": {"kind": row.institution_kind, "name": row.institution_name, "uscc": row.institution_uscc},
        "business": row.business,
        "cause": row.cause,
        "amount_in_dispute": row.amount,
        "received_at": _time(row.received_at),
        "forwarded_at": _time(row.forwarded_at),
        "decided_at": _time(row.decided_at),
        "decision_result": row.decision_result,
        "remedy_amount": row.remedy_amount,
        "case_id": row.case_id,
        "repeat_of": row.repeat_of,
        "updated_at": _time(row.updated_at),
    }


def history(session: Session, complaint_id: str) -> list[ComplaintEventRow]:
    query = select(ComplaintEventRow).where(ComplaintEventRow.complaint_id == complaint_id)
    return list(session.exec(query.order_by(col(ComplaintEventRow.id))))


def deadlines(
    row: ComplaintRow,
    events: list[ComplaintEventRow],
    calendar: WorkCalendar,
    settings: ComplaintDeadlineSettings,
    now: datetime,
) -> list[ComplaintDueDate]:
    return complaint_deadlines(facts_of(row, events), calendar, settings, now)


def due_view(d: ComplaintDueDate) -> dict[str, Any]:
    return {
        "kind": d.kind.value,
        "last_day": d.due.last_day.isoformat() if d.due else None,
        "closes_at": _time(d.due.closes_at) if d.due else None,
        "state": d.state.value,
        "estimated": d.estimated,
        "rule": d.rule,
        "notes": list(d.notes),
    }


def detail(
    session: Session, row: ComplaintRow, calendar: WorkCalendar, settings: ComplaintDeadlineSettings, now: datetime
) -> dict[str, Any]:
    """The whole view of one complaint (module docstring); opens its sealed record, so it needs the data key."""
    complaint = Complaint.model_validate_json(row.complaint_json)
    events = history(session, row.complaint_id)
    messages = session.exec(
        select(ComplaintOutboxRow)
        .where(ComplaintOutboxRow.complaint_id == row.complaint_id)
        .order_by(col(ComplaintOutboxRow.id))
        .options(defer(ComplaintOutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]  # never opened
    ).all()
    status = ComplaintStatus(row.status)
    return {
        **summary(row),
        "institution": {**summary(row)["institution"], "branch": complaint.institution.branch},
        "classification": complaint.classification.model_dump(mode="json"),
        "complainant": masked_person(complaint),
        "representative": masked_representative(complaint),
        "request": mask_document(complaint.request),
        "facts": mask_document(complaint.facts),
        "undisputed": row.undisputed,
        "stage": row.stage,
        "satisfaction": row.satisfaction,
        "attachments": [{"name": a.name, "sha256": a.sha256, "size": a.size} for a in complaint.attachments],
        "history": [
            {
                "id": e.id,
                "at": _time(e.at),
                "event": e.event,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "detail": mask_document(e.detail) or None,
            }
            for e in events
        ],
        "deadlines": [due_view(d) for d in deadlines(row, events, calendar, settings, now)],
        "messages": [message_view(m) for m in messages],
        "allowed_events": sorted(e.value for (s, e) in TRANSITIONS if s is status),
        # the small-claim decision is open on the small-claim track only (ComplaintServices.small_claim_decide)
        "allowed_actions": [a for a in complaint_actions(status) if a != "small-claim" or row.track == "small_claim"],
    }


def message_view(m: Any) -> dict[str, Any]:
    """One outgoing message (a complaint's or a partner record's outbox row) and its delivery state; its envelope
    is never opened."""
    return {
        "message_id": m.message_id,
        "type": m.type,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": _time(m.next_attempt_at) if m.status == OutboxStatus.PENDING else None,
        "delivered_at": _time(m.delivered_at),
        "last_error": mask_text(m.last_error or "") or None,
    }


def masked_person(complaint: Complaint) -> dict[str, Any]:
    p = complaint.complainant
    return {
        "kind": p.kind.value,
        "name": p.name,
        "id_type": p.id_type.value,
        "id_number": mask_id(p.id_number),
        "phone": mask_phone(p.phone),
        "legal_representative": p.legal_representative,
    }


def masked_representative(complaint: Complaint) -> dict[str, Any] | None:
    r = complaint.representative
    if r is None:
        return None
    return {
        "kind": r.kind.value,
        "name": r.name,
        "id_type": r.id_type.value,
        "id_number": mask_id(r.id_number),
        "phone": mask_phone(r.phone),
        "document": None if r.document is None else {"name": r.document.name, "sha256": r.document.sha256},
    }
