"""/console/partners — the docking partners' records (traffic platform, arbitration commissions, SPC roster)
filtered by kind, partner and status, each with its next due date; /console/partners/{record_id} — one record as
the centre API shows it (api/partner_view.py): facts masked, due dates, timeline, messages to the partner and their
delivery. The one action here is an operator's: replaying a dead message to the partner, with a reason (audited,
as `docking partners replay`); the record's own actions are the centre's (its API) and the CLI's."""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.responses import Response

from adapter.deadlines.compute import DueState
from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_text
from adapter.partners import delivery
from adapter.partners.specs import SPECS
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerEventRow, PartnerOutboxRow, PartnerRecordRow
from api.access import context
from api.centre_partners import calendar_of, rules_of
from api.console.forms import act
from api.console.session import PATH, LoggedIn, Operator
from api.console.views import PAGE_SIZE, Pages, View, last_page, page_number
from api.partner_view import Rules, detail, due_dates
from schemas.clock import to_utc
from schemas.fact_times import facts_in_china_time

router = APIRouter(prefix=PATH, include_in_schema=False)
FILTERS = ("kind", "partner", "status")
_LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)
DONE = {"replay": "Requeued: the message will be delivered again on the normal schedule."}


def _statuses() -> list[str]:
    found = {s.value for spec in SPECS.values() for pair in spec.machine.transitions for s in pair[:1]}
    found |= {t.value for spec in SPECS.values() for t in spec.machine.transitions.values()}
    return sorted(found)


@router.get("/partners")
def partners(request: Request, op: LoggedIn, view: View) -> Response:
    wanted = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    kinds, statuses = sorted(k.value for k in SPECS), _statuses()
    for name, allowed in (("kind", kinds), ("status", statuses)):
        refused = view.bad_filter(request, op, name, wanted[name], allowed, back=f"{PATH}/partners", tab="partners")
        if refused is not None:
            return refused
    ctx = context(request)
    where = [col(c) == wanted[n] for n, c in (("kind", PartnerRecordRow.kind), ("partner", PartnerRecordRow.partner),
                                               ("status", PartnerRecordRow.status)) if wanted[n]]  # fmt: skip
    query = select(PartnerRecordRow).where(*where).order_by(col(PartnerRecordRow.record_id).desc())
    with ctx.reads.begin() as session:
        names = sorted(session.exec(select(PartnerRecordRow.partner).distinct()).all())
        total = int(session.exec(select(func.count(col(PartnerRecordRow.record_id))).where(*where)).one())
        page, pages = last_page(page, total)
        rows = list(session.exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all())
        shown = _summaries(session, rows, calendar_of(request), rules_of(request), ctx.clock())
    return view.render(request, "partners.html", op=op, tab="partners", records=shown, wanted=wanted, page=page,
                       pages=pages, total=total, kinds=kinds, statuses=statuses, partners=names)  # fmt: skip


def _summaries(session: Session, rows: list[PartnerRecordRow], calendar: Any, rules: Rules,
               now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """Each record's list row: its columns (subject masked; a USCC whole, as the API's list) and its next live due
    date; history in one query."""
    history: dict[str, list[PartnerEventRow]] = {r.record_id: [] for r in rows}
    if rows:
        query = select(PartnerEventRow).where(col(PartnerEventRow.record_id).in_(list(history)))
        for event in session.exec(query.order_by(col(PartnerEventRow.id))):
            history[event.record_id].append(event)
    out = []
    for row in rows:
        dues = due_dates(row, history[row.record_id], calendar, rules, now) if row.closed_at is None else []
        live = sorted((d for d in dues if d.due_at is not None and d.state in _LIVE), key=lambda d: d.due_at)  # type: ignore[arg-type,return-value]
        out.append({
            "record_id": row.record_id, "kind": row.kind, "partner": row.partner, "partner_ref": row.partner_ref,
            "status": row.status, "subject": mask_document(row.subject, keep_uscc=True), "amount": row.amount,
            "opened_at": row.opened_at,
            "next_due": live[0] if live else None,
        })  # fmt: skip
    return out


@router.get("/partners/{record_id}")
def partner_record(request: Request, record_id: str, op: LoggedIn, view: View) -> Response:
    return _record_page(request, record_id, op, view, done=DONE.get(request.query_params.get("done", ""), ""))


@router.post("/partners/{record_id}/messages/{message_id}/replay")
def replay(request: Request, record_id: str, message_id: str, op: LoggedIn, view: View,
           csrf: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    """Requeue one dead message of this record, with a reason (required): the audited call of `docking partners
    replay` (adapter/partners/delivery.py replay). A message of another record is refused (InvalidRequest)."""
    ctx = context(request)

    def call() -> object:
        with ctx.reads.begin() as session:
            found = session.exec(select(PartnerOutboxRow.record_id).where(PartnerOutboxRow.message_id == message_id))
            if found.first() != record_id:
                raise InvalidRequest(f"no partner message {message_id!r} of record {record_id}")
        return delivery.replay(ctx.uow, [message_id], actor=op.actor, reason=reason, now=to_utc(ctx.clock()))

    return act(request, op, csrf, call, done=f"{PATH}/partners/{record_id}?done=replay",
               refused=lambda why: _record_page(request, record_id, op, view, error=why, status=422))  # fmt: skip


def _record_page(request: Request, record_id: str, op: Operator, view: Pages, *, done: str = "", error: str = "",
                 status: int = 200) -> Response:  # fmt: skip
    ctx = context(request)
    with ctx.reads.begin() as session:
        row = store.find(session, record_id, lock=False)
        if row is None:
            message = mask_text(f"There is no partner record {record_id!r}.")
            return view.render(request, "refused.html", 404, op=op, tab="partners", message=message,
                               back=f"{PATH}/partners")  # fmt: skip
        shown = detail(session, row, calendar_of(request), rules_of(request), ctx.clock())
    facts = facts_in_china_time(shown["facts"])  # the kinds' stored ISO/UTC times, as the page's CST columns read
    shown["facts_text"] = json.dumps(facts, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    for name in ("opened_at", "updated_at", "closed_at"):
        shown[name] = _when(shown[name])
    for entry in shown["history"]:  # the API's ISO times, back to times the page labels CST
        entry["at"] = _when(entry["at"])
    for message in shown["messages"]:
        message["delivered_at"] = _when(message["delivered_at"])
    for due in shown["due_dates"]:
        due["due_at"], due["met_at"] = _when(due["due_at"]), _when(due["met_at"])
    return view.render(request, "partner.html", status, op=op, tab="partners", r=shown, done=done, error=error)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
