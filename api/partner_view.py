"""A partner record as the centre API and the console show it: the list's summary (the unsealed list columns only)
and one record's whole view — its facts masked (adapter/masking.py: every `id_number` and `phone` field, and any
ID-, phone-, USCC- or account-shaped number in any text; never whole, whatever the role), its history, its due
dates (its kind's spec.due_dates on the runtime's calendar and the partner's rules), the messages to the partner
with their delivery state, and the events its status allows. Times China time ("CST", UTC+8)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from adapter.deadlines import WorkCalendar
from adapter.masking import mask_document
from adapter.partners.spec import PartnerDue, PartnerSpec, allowed_actions, fired
from adapter.partners.specs import spec_for
from adapter.partners.sweep import ALERT
from adapter.partners.views import masked
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from api.complaint_view import message_view
from schemas.clock import china_iso, from_db, last_day

Rules = Callable[[str, str], Any]  # (partner, kind) → the partner's rules (adapter/partners/sweep.py rules_lookup)


def _time(value: datetime | None) -> str | None:
    return None if value is None else china_iso(value)


def summary(row: PartnerRecordRow) -> dict[str, Any]:
    """The list columns: what a list shows (the sealed facts are not opened)."""
    return {
        "record_id": row.record_id,
        "kind": row.kind,
        "partner": row.partner,
        "partner_ref": row.partner_ref,
        "status": row.status,
        "version": row.version,
        "subject": mask_document(row.subject, keep_uscc=True),  # a USCC is public: shown as `roster orgs` does
        "amount": row.amount,
        "case_id": row.case_id,
        "opened_at": _time(row.opened_at),
        "updated_at": _time(row.updated_at),
        "closed_at": _time(row.closed_at),
    }


def due_view(due: PartnerDue) -> dict[str, Any]:
    return {
        "name": due.name,
        "state": due.state.value,
        "due_at": _time(due.due_at),  # the closing instant (midnight after the last day, CST) for scripts
        "last_day": last_day(due.due_at).isoformat() if due.due_at else None,  # what people read (issue 19)
        "met_at": _time(due.met_at),
        "counting": due.counting,
        "estimated": due.estimated,
        "rule": due.rule,
        "duty": due.duty,  # False: a party's window (open, then lapsed; never due soon or overdue)
    }


def due_dates(row: PartnerRecordRow, events: list[Any], calendar: WorkCalendar, rules: Rules,
              now: datetime) -> list[PartnerDue]:  # fmt: skip
    """The record's due dates now (as the deadline sweep computes them, adapter/partners/sweep.py)."""
    lines = [(from_db(e.at), e.event or e.note or "") for e in events if e.note != ALERT]
    return spec_for(row.kind).due_dates(store.view(row), lines, calendar, now, rules(row.partner, row.kind))


def detail(session: Session, row: PartnerRecordRow, calendar: WorkCalendar, rules: Rules,
           now: datetime) -> dict[str, Any]:  # fmt: skip
    """The whole view of one record (module docstring); opens its sealed facts, so it needs the data key."""
    events = store.history(session, row.record_id)
    messages = session.exec(
        select(PartnerOutboxRow)
        .where(PartnerOutboxRow.record_id == row.record_id)
        .order_by(col(PartnerOutboxRow.id))
        .options(defer(PartnerOutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]  # never opened
    ).all()
    spec = spec_for(row.kind)
    return {
        **summary(row),
        "facts": masked(dict(store.view(row).facts)),
        "history": [
            {
                "id": e.id,
                "at": _time(e.at),
                "event": e.event,
                "note": e.note,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "detail": mask_document(e.detail, keep_uscc=True) or None,
            }
            for e in events
        ],
        "due_dates": [due_view(d) for d in due_dates(row, events, calendar, rules, now)],
        "messages": [message_view(m) for m in messages],
        # The centre's actions legal now (the kind's Machine and the guards that need only the record), as a case's
        # `allowed_actions`; `allowed_events` are every event the status allows — the centre's and the partner's
        # messages' alike (labelled in `events_by_side`); `actions` every action on a record of the kind.
        "allowed_actions": allowed_actions(spec, store.view(row)),
        "allowed_events": spec.machine.allowed(row.status),
        "events_by_side": _by_side(spec, row.status),
        "actions": sorted(name for name, a in spec.actions.items() if not a.opens),
    }


def _by_side(spec: PartnerSpec, status: str) -> dict[str, list[str]]:
    """The events the status allows, by whose they are: "centre" those a centre action fires (spec.fired), "partner"
    the rest (the partner's messages)."""
    allowed = spec.machine.allowed(status)
    ours = {event for action in spec.actions.values() for event in fired(action)}
    return {"centre": [e for e in allowed if e in ours], "partner": [e for e in allowed if e not in ours]}
