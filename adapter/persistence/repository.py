"""Case storage operations inside one unit of work: load, create, transition (with history), enqueue.

The SQL case store (case_store.py) and the inbox call these; the rows themselves are built by the pure functions at
the end, which the in-memory store (adapter/testing/fake_store.py) uses too, so both stores write the same rows."""

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from adapter.cases.store import Case
from adapter.errors import CaseNotFound
from adapter.outbox.attachments import stored_form
from adapter.persistence.presealed import seal_model
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow
from adapter.persistence.vault import Vault
from adapter.states import CaseStatus, Event, advance, court_view
from schemas.case import CaseDispatch
from schemas.clock import to_utc
from schemas.envelope import Body, Envelope
from schemas.uuids import uuid4_hex


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4_hex()[:20]}"


# Loading a case for a status change opens none of its personal data: a case sealed under a data key this
# process lacks can still move (a court's ruling, an overdue acceptance), and touching a sealed column raises
# rather than quietly decrypting it.
_UNSEALED = (
    defer(CaseRow.dispatch_json, raiseload=True),  # type: ignore[arg-type]  # SQLModel fields are ORM attributes
    defer(CaseRow.agreement_json, raiseload=True),  # type: ignore[arg-type]
)


def get_case(session: Session, case_id: str, *, personal: bool = True) -> CaseRow:
    """The case, locked for update; `personal=False` leaves its sealed columns unread (and unreadable)."""
    # FOR UPDATE: on PostgreSQL two writers of one case queue here; SQLite already holds the write lock.
    query = select(CaseRow).where(CaseRow.id == case_id).with_for_update()
    row = session.exec(query if personal else query.options(*_UNSEALED)).first()
    if row is None:
        raise CaseNotFound(case_id)
    return row


def find_case(session: Session, platform: str, platform_case_id: str) -> CaseRow | None:
    """A court's case by its id there, locked, without its personal data: ingest only checks and moves it."""
    query = select(CaseRow).where(CaseRow.platform == platform, CaseRow.platform_case_id == platform_case_id)
    return session.exec(query.with_for_update().options(*_UNSEALED)).first()


def create_case(session: Session, dispatch: CaseDispatch, platform: str | None, at: datetime) -> CaseRow:
    row = new_case_row(dispatch, platform, at)
    session.add(row)
    session.flush()
    return row


def transition(session: Session, case: CaseRow, event: Event, *, actor: str, at: datetime, detail: str = "") -> None:
    """Advance the case by `event` (raising IllegalTransition) and record it in the history."""
    history = advance_case(case, event, actor=actor, at=at, detail=detail)
    session.add(case)
    session.add(history)


def enqueue(session: Session, case: CaseRow, body: Body, at: datetime) -> Envelope | None:
    """Queue a message to the case's court in the caller's transaction; a case with no court gets none."""
    if case.platform is None:
        return None
    last = session.exec(select(func.max(OutboxRow.seq)).where(OutboxRow.case_id == case.id)).one()
    envelope, row = outbox_row(case, body, at, seq=(last or 0) + 1)
    session.add(row)
    return envelope


# ---- the rows themselves, built the same way by every case store (this one and adapter/testing/fake_store.py)


def own_row(case: Case) -> CaseRow:
    """The row behind a case a case store handed out (the port types it by what the use cases read and set)."""
    if not isinstance(case, CaseRow):
        raise TypeError(f"{type(case).__name__} is not a case a case store handed out")
    return case


def new_case_row(dispatch: CaseDispatch, platform: str | None, at: datetime) -> CaseRow:
    """A new case in status RECEIVED, with a fresh id, storing the dispatch as read at its boundary
    (reference/case_intake.py): its court code is kept in a column of its own, from the dispatch or its 案号's
    reading, so the deadline sweep never parses the 案号 again."""
    return CaseRow(**new_case_fields(dispatch, platform, at))


def new_case_fields(
    dispatch: CaseDispatch, platform: str | None, at: datetime, *, vault: Vault | None = None
) -> dict[str, Any]:
    """`new_case_row`'s columns as plain values, for a bulk INSERT (adapter/inbox/page_rows.py); the dispatch as
    JSON text, sealed by its column type on the way in — or here, by the database's `vault` if given, from the
    model rather than by parsing its JSON back (adapter/persistence/presealed.py): the same text."""
    at = to_utc(at)
    reading = dispatch.case_number_reading
    return {
        "id": new_id("MC"),
        "platform": platform,
        "platform_case_id": dispatch.platform_case_id,
        "case_number": dispatch.case_number,
        "court_code": dispatch.court_code or (reading.court_code if reading is not None else None),
        "flow": dispatch.flow.value,
        "procedure": dispatch.procedure.value,
        "cause": dispatch.cause,
        "amount": f"{dispatch.amount:.2f}",
        "status": CaseStatus.RECEIVED.value,
        "dispatch_json": dispatch.model_dump_json() if vault is None else seal_model(vault, dispatch),
        "created_at": at,
        "updated_at": at,
    }


def advance_case(case: CaseRow, event: Event, *, actor: str, at: datetime, detail: str = "") -> CaseEventRow:
    """Move the case by `event` (IllegalTransition leaves it untouched) and return the history row that records it."""
    at = to_utc(at)
    history = history_fields(case.id, case.status, event, actor=actor, at=at, detail=detail)
    case.status, case.updated_at = history["to_status"], at
    return CaseEventRow(**history)


def history_fields(
    case_id: str, status: str, event: Event, *, actor: str, at: datetime, detail: str = ""
) -> dict[str, Any]:
    """The history row's columns for moving a case in `status` by `event` (raises IllegalTransition); `to_status`
    is the case's status after it."""
    before = CaseStatus(status)
    return {
        "case_id": case_id,
        "at": to_utc(at),
        "event": event.value,
        "from_status": before.value,
        "to_status": advance(before, event).value,
        "actor": actor,
        "detail": detail,
    }


def outbox_row(case: CaseRow, body: Body, at: datetime, *, seq: int) -> tuple[Envelope, OutboxRow]:
    """The envelope to the case's court (which it must have) and its outbox row, `seq`th in the case's sequence."""
    assert case.platform is not None, "only a case with a court gets messages"
    at = to_utc(at)
    envelope = Envelope(
        message_id=new_id("M"),
        platform=case.platform,
        platform_case_id=case.platform_case_id,
        created_at=at,
        body=body,
        status_after=court_view(CaseStatus(case.status)),
    )
    row = OutboxRow(
        seq=seq,
        message_id=envelope.message_id,
        case_id=case.id,
        platform=case.platform,
        type=envelope.type.value,
        envelope_json=stored_form(envelope),  # the agreement document by digest, not by value
        next_attempt_at=at,
        created_at=at,
        queued_at=at,
    )
    return envelope, row
