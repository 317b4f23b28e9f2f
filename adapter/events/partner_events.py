"""Centre events about docking partners' records (the traffic platform, arbitration commissions, the SPC roster —
partners.md §2–§4), each written in its cause's transaction through adapter/events/store.py `emit`:

    partner.record_opened          a record opened — by a partner's message (an offer, an entrustment) or by the
                                   centre's action (an application, a roster entry): apply.py
    partner.updated                a partner's message applied to an existing record (an answer, a fee notice …)
    partner.deadline_alert         a due date closing soon or passed (sweep.py, with its alert)
    partner.message_dead           a message to a partner given up (delivery.py: refused, or past the retry window)
    partner.reconcile_difference   reconciliation found our record, or a monthly figure, differing (reconcile.py)

The event's `case_id` (the delivery order key) is the partner record's id, so a receiver hears of one record's
changes in order; `data.case_id` names the mediation case the record belongs to, if any. The data are the record's
list columns and what moved — never its sealed facts; free text masked (adapter/masking.py).
"""

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from adapter.events.kinds import EventType
from adapter.events.store import emit
from adapter.masking import mask_document, mask_text


def _record(row: Any) -> dict[str, Any]:
    """A partner record's list columns (adapter/persistence/partner_tables.py PartnerRecordRow)."""
    return {
        "record_id": row.record_id,
        "kind": row.kind,
        "partner": row.partner,
        "partner_ref": row.partner_ref,
        "status": row.status,
        "version": row.version,
        "subject": mask_document(row.subject),
        "amount": row.amount,
        "case_id": row.case_id,
    }


def applied(
    connection: Connection, row: Any, *, opened: bool, before: str, event: str | None, note: str | None, label: str,
    actor: str, detail: str, at: datetime,
) -> str | None:  # fmt: skip
    """After a Change is written (adapter/partners/apply.py): `partner.record_opened` for a new record, whoever
    opened it; `partner.updated` for a partner's message (actor "partner:<name>") applied to an existing one; None
    (no event) for the centre's own actions and notes on existing records — the centre made them."""
    if not opened and not actor.startswith("partner:"):
        return None
    kind = EventType.PARTNER_RECORD_OPENED if opened else EventType.PARTNER_UPDATED
    data = {**_record(row), "from_status": None if opened else before, "event": event, "note": note,
            "message_type": label, "by": actor, "detail": mask_document(detail) or None}  # fmt: skip
    return emit(connection, kind, row.record_id, data, at)


def deadline_alert(connection: Connection, row: Any, detail: dict[str, Any], at: datetime) -> str:
    """A due date closing soon or passed, in the transaction that notes it in the record's history
    (adapter/partners/sweep.py); `detail` its name (kind), state, last day, counting, rule."""
    masked = {k: mask_text(v) if isinstance(v, str) else v for k, v in detail.items()}
    return emit(connection, EventType.PARTNER_DEADLINE_ALERT, row.record_id, {**_record(row), "due": masked}, at)


def message_dead(connection: Connection, row: Any, error: str | None, at: datetime) -> str:
    """A message to a partner given up (`row`: a partner_outbox row), in the transaction that marks it dead."""
    data = {"record_id": row.record_id, "partner": row.platform, "message_id": row.message_id,
            "message_type": row.type, "error": mask_document(error or "")}  # fmt: skip
    return emit(connection, EventType.PARTNER_MESSAGE_DEAD, row.record_id, data, at)


def reconcile_difference(
    connection: Connection, *, partner: str, record_id: str | None, ours: str | int, theirs: str | int | None,
    what: str, action: str, at: datetime,
) -> str:  # fmt: skip
    """One difference reconciliation found: a record's status as the partner should say it (`what` "record") or a
    monthly figure (`what` "figure:<name>", record_id None); `action` repaired | report."""
    data = {"partner": partner, "record_id": record_id, "what": what, "ours": ours, "theirs": theirs,
            "action": action}  # fmt: skip
    return emit(connection, EventType.PARTNER_RECONCILE_DIFFERENCE, record_id, data, at)
