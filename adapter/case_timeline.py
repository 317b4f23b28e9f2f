"""One case as an operator reads it (`docking cases show`, the console's case page): found by any of its names,
with its flags, parties (masked), history and messages. Never a full personal number."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from adapter.case_lookup import identify
from adapter.deadlines import Receipt, receipt
from adapter.masking import mask_id, mask_phone, mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow
from adapter.states import Event
from reference.case_intake import with_reading
from schemas.case import CaseDispatch, Party
from schemas.clock import from_db


@dataclass(frozen=True)
class Timeline:
    """`parties`: name, role, kind, id_type, id_number (masked), phone (masked), phone_kind; `history`: at, event,
    from, to, actor; `messages`: message_id, type, status, attempts, last_error (masked); `clock`: where the
    acceptance clock starts."""

    case: CaseRow
    clock: Receipt
    flags: list[str]
    parties: list[dict[str, Any]]
    history: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def masked_party(p: Party) -> dict[str, Any]:
    """A party as shown anywhere (CLI, API, console): name, role, kind, id_type, id_number and phone masked
    (adapter/masking.py), phone_kind (None when the phone has no known form)."""
    return {
        "name": p.name,
        "role": p.role.value,
        "kind": p.kind.value,
        "id_type": p.id_type.value,
        "id_number": mask_id(p.id_number),
        "phone": mask_phone(p.phone),
        "phone_kind": p.phone_kind.value if p.phone_kind else None,
    }


COMPLAINT_EVENT = "complaint"  # adapter/complaints/mediation.py HISTORY_EVENT: a converted complaint's history


def history_note(event: str, detail: str | None) -> str:
    """What a history row shows besides its event: the complaint's history a case converted from a complaint carries
    (masked); "" for every other event, whose detail is a message payload, not for display."""
    return mask_text(detail or "") if event == COMPLAINT_EVENT else ""


def timeline(uow: UnitOfWork, name: str, *, platform: str | None = None) -> Timeline:
    """The case named `name` (our id MC-…, its 案号 in any bracket form, or the court's id; `platform` when a court's
    id is not unique); InvalidRequest naming `name` if none (adapter/case_lookup.py)."""
    with uow.begin() as session:
        case = identify(session, name, platform=platform)
        dispatch = with_reading(CaseDispatch.model_validate_json(case.dispatch_json))  # as read at intake
        events = session.exec(
            select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(col(CaseEventRow.id))
        ).all()
        messages = session.exec(select(OutboxRow).where(OutboxRow.case_id == case.id).order_by(col(OutboxRow.id))).all()
    parties = [{**masked_party(p), "phone_kind": p.phone_kind.value if p.phone_kind else ""} for p in dispatch.parties]
    history = [
        {
            "at": e.at,
            "event": e.event,
            "from": e.from_status,
            "to": e.to_status,
            "actor": e.actor,
            "note": history_note(e.event, e.detail),
        }
        for e in events
    ]
    registered = next((from_db(e.at) for e in events if e.event == Event.REGISTER), None)
    outbox = [
        {
            "message_id": m.message_id,
            "type": m.type,
            "status": m.status,
            "attempts": m.attempts,
            "last_error": mask_text(m.last_error or ""),
        }
        for m in messages
    ]
    # Flags are computed from the stored dispatch, so every case shows them, whenever and however it arrived; the
    # REGISTER event's detail keeps those seen on arrival. Never a number: a party is named by its place.
    return Timeline(case, receipt(case, registered), list(dispatch.flags), parties, history, outbox)
