"""GET /api/centre/v1/complaints[/{id}]: the complaints as the centre reads them (api/complaint_view.py), the
complainant masked whatever the role (as parties are for cases).

The list pages by keyset on (received_at, complaint_id), newest first — stable however many complaints arrive
meanwhile — with an opaque cursor bound to its filters (api/cursor.py). One complaint carries its ETag (the
complaint's version), to send back as If-Match with an action.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import and_, or_
from sqlalchemy.orm import defer
from sqlmodel import col, select

from adapter.case_lookup import parse_when
from adapter.complaints.service import ComplaintServices
from adapter.complaints.states import ComplaintStatus
from adapter.errors import InvalidRequest
from adapter.persistence.complaint_tables import ComplaintRow
from api import cursor
from api.access import context, require
from api.clients import Client
from api.complaint_models import ComplaintPage
from api.complaint_tx import complaint_etag, not_found_complaint
from api.complaint_view import detail, summary
from api.models import problem_responses
from api.problems import Problem
from schemas.clock import from_db, to_utc
from schemas.complaint import Channel, Track

router = APIRouter(prefix="/api/centre/v1", tags=["centre complaints"])
Centre = Annotated[Client, Depends(require("centre"))]


def _invalid(field: str, rule: str, message: str) -> Problem:
    return Problem(422, "validation", message, errors=[{"field": field, "rule": rule, "message": message}])


@router.get("/complaints", response_model=ComplaintPage, responses=problem_responses(401, 403, 422))
def list_complaints(
    request: Request,
    client: Centre,
    status: Annotated[ComplaintStatus | None, Query(description="Only complaints in this status.")] = None,
    desk: Annotated[str | None, Query(max_length=64, description="Only this desk's ([desks.<name>]).")] = None,
    track: Annotated[Track | None, Query(description="general, small_claim or green_channel.")] = None,
    institution: Annotated[
        str | None, Query(min_length=18, max_length=18, description="The institution's USCC, exactly.")
    ] = None,
    channel: Annotated[Channel | None, Query(description="How it reached the centre.")] = None,
    received_from: Annotated[
        str | None, Query(description="Received at or after: 2026-11-23[T10:00]; China time")
    ] = None,
    received_to: Annotated[str | None, Query(description="… and before (a date alone: to its end).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(alias="cursor", description="next_cursor of the previous page.")] = None,
) -> ComplaintPage:
    """Complaints, newest received first; filters combine."""
    filters = {
        "status": status.value if status else None,
        "desk": desk,
        "track": track.value if track else None,
        "institution": institution,
        "channel": channel.value if channel else None,
        "received_from": received_from,
        "received_to": received_to,
    }
    query = select(ComplaintRow).options(defer(ComplaintRow.complaint_json))  # type: ignore[arg-type]
    query = query.where(*_conditions(filters))
    if after is not None:
        try:
            position = cursor.decode(after, filters)
        except cursor.BadCursor as exc:
            raise _invalid("query.cursor", "cursor", f"cursor {exc}") from None
        at, last = to_utc(position.created_at), position.case_id
        query = query.where(
            or_(
                col(ComplaintRow.received_at) < at,
                and_(col(ComplaintRow.received_at) == at, col(ComplaintRow.complaint_id) < last),
            )
        )
    query = query.order_by(col(ComplaintRow.received_at).desc(), col(ComplaintRow.complaint_id).desc())
    with context(request).reads.begin() as session:
        rows = list(session.exec(query.limit(limit + 1)).all())
    more, rows = len(rows) > limit, rows[:limit]
    token = None
    if more:
        token = cursor.encode(cursor.Position(from_db(rows[-1].received_at), rows[-1].complaint_id), filters)
    return ComplaintPage(items=[summary(r) for r in rows], next_cursor=token)


def _conditions(f: dict[str, Any]) -> list[Any]:
    where: list[Any] = []
    for name, column in (
        ("status", ComplaintRow.status),
        ("desk", ComplaintRow.desk),
        ("track", ComplaintRow.track),
        ("institution", ComplaintRow.institution_uscc),
        ("channel", ComplaintRow.channel),
    ):
        if f[name]:
            where.append(col(column) == f[name])
    since = until = None
    if f["received_from"]:
        since = _when("received_from", f["received_from"], end_of_day=False)
        where.append(col(ComplaintRow.received_at) >= to_utc(since))
    if f["received_to"]:
        until = _when("received_to", f["received_to"], end_of_day=True)
        where.append(col(ComplaintRow.received_at) < to_utc(until))
    if since is not None and until is not None and until <= since:  # an empty page would look like "none"
        raise _invalid(
            "query.received_to",
            "after_from",
            f"received_to {f['received_to']!r} ends before received_from {f['received_from']!r} begins: swap them",
        )
    return where


def _when(field: str, text: str, *, end_of_day: bool) -> Any:
    try:
        return parse_when(text, field, end_of_day=end_of_day)
    except InvalidRequest as exc:
        raise _invalid(f"query.{field}", "format", str(exc)) from None


@router.get("/complaints/{complaint_id}", responses=problem_responses(401, 403, 404))
def show_complaint(request: Request, complaint_id: str, client: Centre) -> JSONResponse:
    """One complaint: complainant and representative masked, history, deadlines, messages to the desk and their
    delivery state, and the events and centre actions its status allows. The ETag header is its version."""
    ctx = context(request)
    services: ComplaintServices = request.app.state.complaints
    with ctx.reads.begin() as session:
        row = session.get(ComplaintRow, complaint_id)
        if row is None:
            raise not_found_complaint(complaint_id)
        doc = detail(session, row, services.calendar, services.deadlines, ctx.clock())
        tag = complaint_etag(row)
    return JSONResponse({**doc, "etag": tag}, headers={"ETag": tag})
