"""Complaint storage inside one session (adapter/persistence/complaint_tables.py): load (locked), create, transition
with history, notes, enqueue a message to the desk, and the earlier complaints the repeat check compares with.
The use cases (adapter/complaints/service.py) call these inside their own transaction, so a change, its history
and its outbound message commit together or not at all."""

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from adapter.complaints.guards import PriorComplaint
from adapter.complaints.states import ComplaintEvent, ComplaintNote, ComplaintStatus, advance, is_final
from adapter.errors import DockingError
from adapter.masking import mask_document
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintOutboxRow, ComplaintRow
from schemas.clock import to_utc
from schemas.complaint import Complaint, ComplaintBody, ComplaintEnvelope


class ComplaintNotFound(DockingError):
    """No complaint with this id (the API maps it to 404; an inbound message about it is quarantined as
    `unknown_complaint`)."""

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint {complaint_id!r}; `docking complaints list` shows the known ones")
        self.complaint_id = complaint_id


class StaleComplaint(DockingError):
    """The complaint changed since the version the caller read (optimistic concurrency; the API maps it to 412)."""

    def __init__(self, complaint_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"complaint {complaint_id} is at version {current}, not {expected}: it changed meanwhile; read it again"
        )
        self.complaint_id, self.expected, self.current = complaint_id, expected, current


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def find(session: Session, complaint_id: str) -> ComplaintRow | None:
    """The complaint, locked for update (PostgreSQL: writers of one complaint queue here), or None."""
    query = select(ComplaintRow).where(ComplaintRow.complaint_id == complaint_id).with_for_update()
    return session.exec(query).first()


def get(session: Session, complaint_id: str, *, version: int | None = None) -> ComplaintRow:
    """The complaint, locked; ComplaintNotFound, or StaleComplaint when `version` is given and is not its own."""
    row = find(session, complaint_id)
    if row is None:
        raise ComplaintNotFound(complaint_id)
    if version is not None and row.version != version:
        raise StaleComplaint(complaint_id, version, row.version)
    return row


def create(
    session: Session, complaint: Complaint, *, desk: str, complainant_key: str, actor: str, at: datetime
) -> ComplaintRow:
    """A new complaint in RECEIVED, with its `received` history line."""
    at = to_utc(at)
    row = ComplaintRow(
        complaint_id=complaint.complaint_id,
        desk=desk,
        status=ComplaintStatus.RECEIVED.value,
        track=complaint.track.value,
        channel=complaint.channel.value,
        institution_kind=complaint.institution.kind.value,
        institution_uscc=complaint.institution.uscc,
        institution_name=complaint.institution.name,
        business=complaint.classification.business,
        cause=complaint.classification.cause,
        amount=f"{complaint.amount_in_dispute:.2f}",
        undisputed=complaint.undisputed,
        received_at=to_utc(complaint.received_at),
        repeat_of=complaint.repeat_of,
        complainant_key=complainant_key,
        complaint_json=complaint.model_dump_json(),
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()  # the row before its history: no ORM relationship orders the two inserts
    session.add(_history(row, "received", ComplaintStatus.RECEIVED, ComplaintStatus.RECEIVED, actor, at, ""))
    return row


def transition(
    session: Session, row: ComplaintRow, event: ComplaintEvent, *, actor: str, at: datetime, detail: str = ""
) -> ComplaintStatus:
    """Advance by `event` (IllegalComplaintTransition leaves the row untouched) and record it in the history."""
    before = ComplaintStatus(row.status)
    after = advance(before, event)
    row.status = after.value
    if is_final(after) and row.closed_at is None:
        row.closed_at = to_utc(at)
    _touch(session, row, at)
    session.add(_history(row, event.value, before, after, actor, at, detail))
    return after


def note(
    session: Session, row: ComplaintRow, what: ComplaintNote | str, *, actor: str, at: datetime, detail: str
) -> None:
    """A history line that moves no state (appraisal, duplicate acknowledgement, …)."""
    status = ComplaintStatus(row.status)
    _touch(session, row, at)
    session.add(_history(row, str(what), status, status, actor, at, detail))


def enqueue(
    session: Session, row: ComplaintRow, body: ComplaintBody, at: datetime, *, correlates_to: str | None = None
) -> ComplaintEnvelope:
    """Queue a message to the complaint's desk in the caller's transaction."""
    at = to_utc(at)
    envelope = ComplaintEnvelope(
        message_id=new_id("CM"),
        complaint_id=row.complaint_id,
        desk_ref=row.desk_ref,
        sent_at=at,
        correlates_to=correlates_to,
        body=body,
    )
    session.add(
        ComplaintOutboxRow(
            message_id=envelope.message_id,
            complaint_id=row.complaint_id,
            platform=row.desk,
            type=envelope.body.type.value,
            envelope_json=envelope.model_dump_json(),
            created_at=at,
            next_attempt_at=at,
            queued_at=at,
        )
    )
    return envelope


def first_message(session: Session, complaint_id: str, kind: str) -> ComplaintOutboxRow | None:
    query = select(ComplaintOutboxRow).where(
        ComplaintOutboxRow.complaint_id == complaint_id, ComplaintOutboxRow.type == kind
    )
    return session.exec(query.order_by(col(ComplaintOutboxRow.id))).first()


def priors(session: Session, keys: Sequence[str], uscc: str, *, as_key: str) -> list[PriorComplaint]:
    """The earlier complaints of a complainant (any of the blind-index `keys`) against one institution, for
    guards.find_repeat; each under `as_key`, the value the check compares with (the keys are one person's)."""
    query = select(ComplaintRow).where(
        col(ComplaintRow.complainant_key).in_(list(keys)), ComplaintRow.institution_uscc == uscc
    )
    return [
        PriorComplaint(
            complaint_id=r.complaint_id,
            complainant_key=as_key,
            institution_uscc=r.institution_uscc,
            business=r.business,
            cause=r.cause,
            received_at=r.received_at,
            status=ComplaintStatus(r.status),
        )
        for r in session.exec(query).all()
    ]


def history(session: Session, complaint_id: str) -> list[ComplaintEventRow]:
    query = select(ComplaintEventRow).where(ComplaintEventRow.complaint_id == complaint_id)
    return list(session.exec(query.order_by(col(ComplaintEventRow.id))).all())


def detail_json(**values: Any) -> str:
    """A history detail as compact JSON (times as ISO text): masked data only, never an ID or phone number."""
    return json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":"))


def _touch(session: Session, row: ComplaintRow, at: datetime) -> None:
    row.version += 1
    row.updated_at = to_utc(at)
    session.add(row)


def _history(
    row: ComplaintRow,
    event: str,
    before: ComplaintStatus,
    after: ComplaintStatus,
    actor: str,
    at: datetime,
    detail: str,
) -> ComplaintEventRow:
    return ComplaintEventRow(
        complaint_id=row.complaint_id,
        at=to_utc(at),
        event=event,
        from_status=before.value,
        to_status=after.value,
        actor=actor,
        # Free text from a desk or a clerk (a reason, a note) may hold a phone, card or account number: the history
        # is read in lists, pages and exports, so it is stored masked (adapter/masking.py mask_document: also cards
        # and accounts, which mask_text leaves), never in clear.
        detail=mask_document(detail),
    )
