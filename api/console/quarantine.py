"""The quarantine browser: refused inbound messages by status, reason and platform; one message's reason, headers
and masked raw bytes; reprocess and resolve — the same audited calls as `docking quarantine reprocess|resolve`
(adapter/inbox/quarantine.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from sqlalchemy import func
from sqlmodel import col, select
from starlette.responses import Response

from adapter.errors import DockingError
from adapter.inbox.quarantine import STATUSES, load, reprocess, resolve, split_headers
from adapter.inbox.quarantine_view import raw_text, summary
from adapter.masking import mask_text
from adapter.persistence.tables import QuarantineRow, QuarantineStatus
from api.access import context
from api.console.forms import act
from api.console.session import PATH, LoggedIn, Operator
from api.console.views import PAGE_SIZE, Pages, View, last_page, page_number
from schemas.clock import to_utc

router = APIRouter(prefix=PATH, include_in_schema=False)
FILTERS = ("status", "reason", "platform")
DONE = {"reprocess": "Reprocessed through the normal ingest path.", "resolve": "Resolved: closed without applying it."}


@router.get("/quarantine")
def quarantine(request: Request, op: LoggedIn, view: View) -> Response:
    wanted = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    statuses = [str(s) for s in STATUSES]
    back = PATH + "/quarantine"
    refused = view.bad_filter(request, op, "status", wanted["status"], statuses, back=back, tab="quarantine")
    if refused is not None:
        return refused
    columns = {"status": QuarantineRow.status, "reason": QuarantineRow.reason, "platform": QuarantineRow.platform}
    conditions = [col(columns[name]) == value for name, value in wanted.items() if value]
    with context(request).reads.begin() as session:
        total = session.exec(select(func.count(col(QuarantineRow.id))).where(*conditions)).one()
        page, pages = last_page(page, int(total))
        rows = session.exec(
            select(QuarantineRow)
            .where(*conditions)
            .order_by(col(QuarantineRow.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        reasons = session.exec(select(QuarantineRow.reason).distinct()).all()
        platforms = session.exec(select(QuarantineRow.platform).distinct()).all()
    items = [{**summary(q), "detail": mask_text(q.detail)[:160]} for q in rows]
    return view.render(
        request,
        "quarantine.html",
        op=op,
        tab="quarantine",
        items=items,
        wanted=wanted,
        page=page,
        pages=pages,
        total=int(total),
        statuses=STATUSES,
        reasons=sorted(reasons),
        platforms=sorted(platforms),
    )


@router.get("/quarantine/{quarantine_id}")
def item(
    request: Request,
    quarantine_id: int,
    op: LoggedIn,
    view: View,
) -> Response:
    return _item_page(request, quarantine_id, op, view, done=DONE.get(request.query_params.get("done", ""), ""))


@router.post("/quarantine/{quarantine_id}/{action}")
def act_on(
    request: Request,
    quarantine_id: int,
    action: str,
    op: LoggedIn,
    view: View,
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """`reprocess`: verify, decode and apply the kept bytes again with today's keys and tables (the outcome is kept
    on the row); `resolve`: close an open item that will not be reprocessed (the core requires the note)."""
    ctx = context(request)
    calls = {
        "reprocess": lambda: reprocess(
            ctx.uow, request.app.state.platforms, quarantine_id, actor=op.actor, note=note, clock=ctx.clock
        ),
        "resolve": lambda: resolve(ctx.uow, quarantine_id, actor=op.actor, note=note, now=to_utc(ctx.clock())),
    }
    if action not in calls:
        raise HTTPException(404, f"no action {action!r} on a quarantined message: reprocess or resolve")
    return act(
        request,
        op,
        csrf,
        calls[action],
        done=f"{PATH}/quarantine/{quarantine_id}?done={action}",
        refused=lambda why: _item_page(request, quarantine_id, op, view, error=why, status=422),
    )


def _item_page(
    request: Request,
    quarantine_id: int,
    op: Operator,
    view: Pages,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    try:
        row = load(context(request).reads, quarantine_id)
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/quarantine", tab="quarantine")
    headers, position = split_headers(row)
    text, note = raw_text(row.raw, whole=False)
    record = {
        **summary(row),
        "detail": mask_text(row.detail),
        "outcome": mask_text(row.outcome),
        "handled_by": row.handled_by or "",
        "handled_at": row.handled_at,
        "note": mask_text(row.note),
        "sha256": row.raw_sha256,
        "position": position,
    }
    shown_headers = {name: mask_text(value) for name, value in headers.items()}
    return view.render(
        request,
        "quarantined.html",
        status,
        op=op,
        tab="quarantine",
        q=record,
        headers=shown_headers,
        raw=text,
        raw_note=note,
        reprocessable=row.status != QuarantineStatus.RESOLVED,
        resolvable=row.status == QuarantineStatus.OPEN,
        done=done,
        error=error,
    )
