"""The outbox browser: messages filtered by platform, status, case and type, one message masked, and the replay of
a dead one with a reason — the same audited call as `docking outbox replay` (adapter/outbox/dead_letters.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import func
from sqlmodel import col, select
from starlette.responses import Response

from adapter.errors import DockingError
from adapter.masking import mask_document, mask_text
from adapter.outbox.dead_letters import replay_message
from adapter.outbox.inspect import listing, load_message, masked_payload
from adapter.persistence.tables import OutboxRow, OutboxStatus
from api.access import context
from api.console.forms import act
from api.console.session import PATH, LoggedIn, Operator
from api.console.views import PAGE_SIZE, Pages, View, last_page, page_number
from schemas.clock import to_utc

router = APIRouter(prefix=PATH, include_in_schema=False)
FILTERS = ("platform", "status", "case", "type")
DONE = {"replay": "Requeued: the message will be delivered again on the normal schedule."}


@router.get("/outbox")
def outbox(request: Request, op: LoggedIn, view: View) -> Response:
    wanted = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    refused = view.bad_filter(
        request, op, "status", wanted["status"], [str(s) for s in OutboxStatus], back="/console/outbox", tab="outbox"
    )
    if refused is not None:
        return refused
    conditions = []
    for name, column in (("platform", OutboxRow.platform), ("status", OutboxRow.status), ("type", OutboxRow.type)):
        if wanted[name]:
            conditions.append(col(column) == wanted[name])
    if wanted["case"]:
        conditions.append(col(OutboxRow.case_id) == wanted["case"])
    with context(request).reads.begin() as session:
        total = session.exec(select(func.count(col(OutboxRow.id))).where(*conditions)).one()
        page, pages = last_page(page, int(total))
        rows = session.exec(
            select(OutboxRow)
            .where(*conditions)
            .order_by(col(OutboxRow.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        platforms = session.exec(select(OutboxRow.platform).distinct()).all()
        types = session.exec(select(OutboxRow.type).distinct()).all()
    messages = [
        {**listing(m), "created_at": m.created_at, "last_error": mask_text(m.last_error or "")[:160]} for m in rows
    ]
    return view.render(
        request,
        "outbox.html",
        op=op,
        tab="outbox",
        messages=messages,
        wanted=wanted,
        page=page,
        pages=pages,
        total=int(total),
        statuses=list(OutboxStatus),
        platforms=sorted(platforms),
        types=sorted(types),
    )


@router.get("/outbox/{message_id}")
def message(
    request: Request,
    message_id: str,
    op: LoggedIn,
    view: View,
) -> Response:
    return _message_page(request, message_id, op, view, done=DONE.get(request.query_params.get("done", ""), ""))


@router.post("/outbox/{message_id}/replay")
def replay(
    request: Request,
    message_id: str,
    op: LoggedIn,
    view: View,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Requeue one dead message; the reason is required (the core refuses a blank one, and the page says so)."""
    ctx = context(request)
    return act(
        request,
        op,
        csrf,
        lambda: replay_message(ctx.uow, message_id, actor=op.actor, reason=reason, now=to_utc(ctx.clock())),
        done=f"{PATH}/outbox/{message_id}?done=replay",
        refused=lambda why: _message_page(request, message_id, op, view, error=why, status=422),
    )


def _message_page(
    request: Request, message_id: str, op: Operator, view: Pages, *, done: str = "", error: str = "", status: int = 200
) -> Response:
    try:
        row, audit = load_message(context(request).reads, message_id)
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/outbox", tab="outbox")
    record = {
        "message_id": row.message_id,
        "case_id": row.case_id,
        "platform": row.platform,
        "type": row.type,
        "seq": row.seq,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "next_attempt_at": row.next_attempt_at if row.status == OutboxStatus.PENDING else None,
        "delivered_at": row.delivered_at,
        "last_error": mask_document(row.last_error or ""),
    }
    trail = [{"at": a.at, "actor": a.actor, "action": a.action, "reason": mask_text(a.reason)} for a in audit]
    return view.render(
        request,
        "message.html",
        status,
        op=op,
        tab="outbox",
        m=record,
        payload=masked_payload(row.envelope_json),
        audit=trail,
        dead=row.status == OutboxStatus.DEAD,
        done=done,
        error=error,
    )
