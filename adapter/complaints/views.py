"""Reading complaints for people (the CLI; the console and API may use it too): a filtered list, and one complaint
with its history and messages — personal numbers masked (adapter/masking.py), times aware, never a sealed value."""

from typing import Any

from sqlmodel import col, select

from adapter.masking import mask_document, mask_fields, mask_id, mask_phone, mask_text
from adapter.persistence import complaint_store as store
from adapter.persistence.complaint_tables import ComplaintOutboxRow, ComplaintRow
from adapter.persistence.engine import UnitOfWork
from schemas.complaint import Complaint

LIST_COLUMNS = [
    "complaint_id",
    "desk",
    "status",
    "track",
    "institution",
    "amount",
    "received_at",
    "desk_ref",
    "case_id",
]


def listed(
    uow: UnitOfWork, *, status: str | None = None, desk: str | None = None, track: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest complaints first, filters combined; no personal data (the columns hold none)."""
    query = select(ComplaintRow)
    if status:
        query = query.where(ComplaintRow.status == status)
    if desk:
        query = query.where(ComplaintRow.desk == desk)
    if track:
        query = query.where(ComplaintRow.track == track)
    query = query.order_by(col(ComplaintRow.received_at).desc(), col(ComplaintRow.complaint_id)).limit(limit)
    with uow.begin() as session:
        rows = session.exec(query).all()
    return [
        {
            "complaint_id": r.complaint_id,
            "desk": r.desk,
            "status": r.status,
            "track": r.track,
            "institution": r.institution_name,
            "amount": r.amount,
            "received_at": r.received_at,
            "desk_ref": r.desk_ref,
            "case_id": r.case_id,
        }
        for r in rows
    ]


def shown(uow: UnitOfWork, complaint_id: str) -> dict[str, Any]:
    """One complaint: its columns, the complainant (ID and phone masked), its history and its messages to the desk;
    ComplaintNotFound."""
    with uow.begin() as session:
        row = session.get(ComplaintRow, complaint_id)
        if row is None:
            raise store.ComplaintNotFound(complaint_id)
        history = store.history(session, complaint_id)
        messages = session.exec(
            select(ComplaintOutboxRow)
            .where(ComplaintOutboxRow.complaint_id == complaint_id)
            .order_by(col(ComplaintOutboxRow.id))
        ).all()
    complaint = Complaint.model_validate_json(row.complaint_json)
    person = complaint.complainant
    record = {k: v for k, v in row.model_dump().items() if k not in ("complaint_json", "complainant_key")}
    record.update(
        complainant=f"{person.name} ({person.id_type.value} {mask_id(person.id_number)}, {mask_phone(person.phone)})",
        representative=None
        if complaint.representative is None
        else f"{complaint.representative.kind.value} {complaint.representative.name}"
        + (" with document" if complaint.representative.document else " WITHOUT document"),
        request=mask_document(complaint.request),
        facts=mask_document(complaint.facts),
        history=[
            {
                "at": e.at,
                "event": e.event,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "detail": mask_document(e.detail),
            }
            for e in history
        ],
        messages=[
            {
                "message_id": m.message_id,
                "type": m.type,
                "status": m.status,
                "attempts": m.attempts,
                "last_error": mask_text(m.last_error or ""),
            }
            for m in messages
        ],
    )
    return dict(mask_fields(record))
