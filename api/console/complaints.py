"""/console/complaints — the complaints filtered by status, desk and track (and overdue only), each with its next
due date and the deadlines it has passed; /console/complaints/{id} — one complaint as the centre API shows it
(api/complaint_view.py): complainant masked, deadlines, timeline, messages to the desk and their delivery."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select
from starlette.responses import Response

from adapter.complaints.deadlines import ComplaintDueDate
from adapter.complaints.service import ComplaintServices
from adapter.complaints.states import ComplaintStatus
from adapter.masking import mask_text
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintRow
from api.access import context
from api.complaint_view import LIVE, deadlines, detail
from api.console.session import PATH, LoggedIn
from api.console.views import PAGE_SIZE, View, last_page, page_number
from schemas.complaint import Track

router = APIRouter(prefix=PATH, include_in_schema=False)
FILTERS = ("status", "desk", "track", "overdue")
_BATCH = 500  # complaints per query when only the overdue ones are wanted (each needs its deadlines computed)


@router.get("/complaints")
def complaints(request: Request, op: LoggedIn, view: View) -> Response:
    wanted = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    for name, allowed in (("status", [s.value for s in ComplaintStatus]), ("track", [t.value for t in Track])):
        refused = view.bad_filter(request, op, name, wanted[name], allowed, back=f"{PATH}/complaints", tab="complaints")
        if refused is not None:
            return refused
    ctx = context(request)
    services: ComplaintServices = request.app.state.complaints
    where = [col(c) == wanted[n] for n, c in (("status", ComplaintRow.status), ("desk", ComplaintRow.desk),
                                               ("track", ComplaintRow.track)) if wanted[n]]  # fmt: skip
    query = select(ComplaintRow).where(*where).options(defer(ComplaintRow.complaint_json, raiseload=True))  # type: ignore[arg-type]
    query = query.order_by(col(ComplaintRow.received_at).desc(), col(ComplaintRow.complaint_id).desc())
    now = ctx.clock()
    with ctx.reads.begin() as session:
        desks = sorted(session.exec(select(ComplaintRow.desk).distinct()).all())
        if wanted["overdue"]:  # only those with a passed deadline: computed, then paged
            shown = []
            for offset in range(0, 10**9, _BATCH):
                rows = list(session.exec(query.offset(offset).limit(_BATCH)).all())
                shown += [s for s in _summaries(session, rows, services, now) if s["overdue"]]
                if len(rows) < _BATCH:
                    break
            page, pages = last_page(page, len(shown))
            total, shown = len(shown), shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        else:
            total = int(session.exec(select(func.count(col(ComplaintRow.complaint_id))).where(*where)).one())
            page, pages = last_page(page, total)
            rows = list(session.exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all())
            shown = _summaries(session, rows, services, now)
    return view.render(
        request,
        "complaints.html",
        op=op,
        tab="complaints",
        complaints=shown,
        wanted=wanted,
        page=page,
        pages=pages,
        total=total,
        statuses=[s.value for s in ComplaintStatus],
        tracks=[t.value for t in Track],
        desks=desks,
    )


def _summaries(
    session: Session, rows: list[ComplaintRow], services: ComplaintServices, now: Any
) -> list[dict[str, Any]]:
    """Each complaint's list row: its columns, its next live due date and the deadlines it has passed."""
    history: dict[str, list[ComplaintEventRow]] = {r.complaint_id: [] for r in rows}
    if rows:
        query = select(ComplaintEventRow).where(col(ComplaintEventRow.complaint_id).in_(list(history)))
        for event in session.exec(query.order_by(col(ComplaintEventRow.id))):
            history[event.complaint_id].append(event)
    out = []
    for row in rows:
        dues = deadlines(row, history[row.complaint_id], services.calendar, services.deadlines, now)
        live = sorted((d for d in dues if d.due is not None and d.state in LIVE), key=_closes)
        out.append(
            {
                "complaint_id": row.complaint_id,
                "status": row.status,
                "desk": row.desk,
                "institution": row.institution_name,
                "track": row.track,
                "channel": row.channel,
                "received_at": row.received_at,
                "next_due": {"kind": live[0].kind.value, "last_day": live[0].due.last_day} if live else None,  # type: ignore[union-attr]
                "overdue": [d.kind.value for d in live if d.state.value == "overdue"],
            }
        )
    return out


def _closes(d: ComplaintDueDate) -> Any:
    assert d.due is not None
    return d.due.closes_at


@router.get("/complaints/{complaint_id}")
def complaint(request: Request, complaint_id: str, op: LoggedIn, view: View) -> Response:
    ctx = context(request)
    services: ComplaintServices = request.app.state.complaints
    with ctx.reads.begin() as session:
        row = session.get(ComplaintRow, complaint_id)
        if row is None:
            message = mask_text(f"There is no complaint {complaint_id!r}.")
            return view.render(request, "refused.html", 404, op=op, tab="complaints", message=message,
                               back=f"{PATH}/complaints")  # fmt: skip
        shown = detail(session, row, services.calendar, services.deadlines, ctx.clock())
    shown["received_at"] = row.received_at
    shown["classification"] = "{table} {version}: {business} / {cause}".format(**shown["classification"])
    shown["branch"], shown["institution"] = shown["institution"]["branch"], shown["institution"]["name"]
    for entry in shown["history"]:  # the API's ISO times, back to times the page labels CST
        entry["at"] = _when(entry["at"])
    for message in shown["messages"]:
        message["delivered_at"] = _when(message["delivered_at"])
    return view.render(request, "complaint.html", op=op, tab="complaints", c=shown)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
