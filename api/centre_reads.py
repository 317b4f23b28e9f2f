"""GET /api/centre/v1/cases[/{id}]: the cases as `docking cases list|show` show them, parties masked.

The list pages by keyset on (created_at, id), newest first — stable however many cases arrive meanwhile — with an
opaque cursor bound to its filters (api/cursor.py). One case carries its ETag: the case's version
(api/idempotency.py), to send back as If-Match with an action.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import and_, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from adapter.case_lookup import _case_number_is, _court_is, court_code, parse_when
from adapter.case_timeline import history_note, masked_party
from adapter.deadlines import DueState, receipt
from adapter.deadlines.sweep import open_case_deadlines
from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow, OutboxStatus
from adapter.states import CaseStatus, Event
from api import cursor
from api.access import ApiContext, context, require
from api.clients import Client
from api.idempotency import case_version, etag
from api.models import CasePage, problem_responses
from api.problems import Problem, allowed_actions, allowed_events, not_found_case
from reference.case_intake import with_reading
from schemas.case import CaseDispatch
from schemas.clock import china_iso, from_db, to_utc

router = APIRouter(prefix="/api/centre/v1", tags=["centre cases"])
Centre = Annotated[Client, Depends(require("centre"))]
_LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)
T = TypeVar("T")


def _time(value: Any) -> str | None:
    return None if value is None else china_iso(value)


def summary(case: CaseRow) -> dict[str, Any]:
    return {
        "id": case.id,
        "platform": case.platform,
        "court_case_id": case.platform_case_id,
        "case_number": case.case_number,
        "flow": case.flow,
        "procedure": case.procedure,
        "cause": case.cause,
        "amount": case.amount,
        "status": case.status,
        "mediator": case.mediator,
        "court_dispatched_at": _time(case.court_dispatched_at),
        "created_at": _time(case.created_at),
        "updated_at": _time(case.updated_at),
    }


@router.get("/cases", response_model=CasePage, responses=problem_responses(401, 403, 422))
def list_cases(
    request: Request,
    client: Centre,
    status: Annotated[CaseStatus | None, Query(description="Only cases in this status.")] = None,
    platform: Annotated[str | None, Query(max_length=64, description="Only this platform's cases.")] = None,
    court: Annotated[str | None, Query(max_length=100, description="Court code in the 案号 (粤0104) or name.")] = None,
    case_number: Annotated[str | None, Query(max_length=64, description="A 案号, in any bracket form.")] = None,
    platform_case_id: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The case's own id where it came from, exactly: the court's case id (court_case_id) of a "
            "dispatched case, the centre's case id of a self-received one (with `platform`: that court's only).",
        ),
    ] = None,
    cause: Annotated[str | None, Query(max_length=100, description="Case cause (案由), exactly.")] = None,
    dispatched_from: Annotated[
        str | None, Query(description="Dispatched (or, flow C, received) at or after: 2026-11-23[T10:00]; China time")
    ] = None,
    dispatched_to: Annotated[str | None, Query(description="… and before (a date alone: to its end).")] = None,
    deadline_within_days: Annotated[
        int | None, Query(ge=0, le=366, description="Only cases with a deadline closing within N days, or passed.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(alias="cursor", description="next_cursor of the previous page.")] = None,
) -> CasePage:
    """Cases, newest first; filters combine."""
    ctx = context(request)
    filters = {
        "status": status.value if status else None,
        "platform": platform,
        "court": court,
        "case_number": case_number,
        "platform_case_id": platform_case_id,
        "cause": cause,
        "dispatched_from": dispatched_from,
        "dispatched_to": dispatched_to,
        "deadline_within_days": deadline_within_days,
    }
    query = select(CaseRow).options(defer(CaseRow.dispatch_json), defer(CaseRow.agreement_json))  # type: ignore[arg-type]
    query = query.where(*_conditions(ctx, filters))
    if after is not None:
        try:
            position = cursor.decode(after, filters)
        except cursor.BadCursor as exc:
            raise _invalid("query.cursor", "cursor", f"cursor {exc}") from None
        at = to_utc(position.created_at)
        query = query.where(
            or_(col(CaseRow.created_at) < at, and_(col(CaseRow.created_at) == at, col(CaseRow.id) < position.case_id))
        )
    query = query.order_by(col(CaseRow.created_at).desc(), col(CaseRow.id).desc()).limit(limit + 1)
    with ctx.reads.begin() as session:
        rows = list(session.exec(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    token = cursor.encode(cursor.Position(from_db(rows[-1].created_at), rows[-1].id), filters) if more else None
    return CasePage(items=[summary(r) for r in rows], next_cursor=token)


def _invalid(field: str, rule: str, message: str) -> Problem:
    return Problem(422, "validation", message, errors=[{"field": field, "rule": rule, "message": message}])


def _conditions(ctx: ApiContext, f: dict[str, Any]) -> list[Any]:
    """The filters as SQL, each the way `docking cases list` reads it (adapter/case_lookup.py)."""
    where: list[Any] = []
    if f["status"]:
        where.append(col(CaseRow.status) == f["status"])
    if f["platform"]:
        where.append(col(CaseRow.platform) == f["platform"])
    if f["case_number"]:
        where.append(_case_number_is(f["case_number"]))
    if f["platform_case_id"]:  # how a centre that lost a registration's answer finds the case it created
        where.append(col(CaseRow.platform_case_id) == f["platform_case_id"])
    if f["cause"]:
        where.append(col(CaseRow.cause) == f["cause"])
    if f["court"]:
        where.append(_court_is(_checked("court", lambda: court_code(f["court"], "court"))))
    dispatched = func.coalesce(CaseRow.court_dispatched_at, CaseRow.created_at)
    since = until = None
    if f["dispatched_from"]:
        since = _checked("dispatched_from", lambda: parse_when(f["dispatched_from"], "dispatched_from"))
        where.append(dispatched >= to_utc(since))
    if f["dispatched_to"]:
        until = _checked("dispatched_to", lambda: parse_when(f["dispatched_to"], "dispatched_to", end_of_day=True))
        where.append(dispatched < to_utc(until))
    if since is not None and until is not None and until <= since:  # an empty page would look like "no cases"
        raise _invalid(
            "query.dispatched_to",
            "after_from",
            f"dispatched_to {f['dispatched_to']!r} ends before dispatched_from {f['dispatched_from']!r} begins: "
            "swap them (a date alone as dispatched_to runs to the end of that day)",
        )
    if f["deadline_within_days"] is not None:
        where.append(col(CaseRow.id).in_(_deadline_within(ctx, f["deadline_within_days"])))
    return where


def _checked(field: str, parse: Callable[[], T]) -> T:
    """A filter parsed as `docking cases list` parses it; its refusal names the query parameter."""
    try:
        return parse()
    except InvalidRequest as exc:
        raise _invalid(f"query.{field}", "format", str(exc)) from None


def _deadline_within(ctx: ApiContext, days: int) -> list[str]:
    """Open cases with a live deadline closing within `days` (or passed), as `docking deadlines --within` finds
    them: one pass over the open cases (keyset pages, adapter/deadlines/sweep.py)."""
    now = ctx.clock()
    horizon = timedelta(days=days)
    return sorted(
        item.case.id
        for item in open_case_deadlines(ctx.reads, ctx.services.deadlines, now)
        if any(d.state in _LIVE and d.due.closes_at - now <= horizon for d in item.due)
    )


@router.get("/cases/{case_id}", responses=problem_responses(401, 403, 404))
def show_case(request: Request, case_id: str, client: Centre) -> JSONResponse:
    """One case: parties masked as `docking cases show` masks them, history, deadlines, messages and their
    delivery state, and the actions its status allows. The ETag header is its version, for If-Match."""
    ctx = context(request)
    with ctx.reads.begin() as session:
        case = session.get(CaseRow, case_id)
        if case is None:
            raise not_found_case(case_id)
        doc, version = detail(ctx, session, case), case_version(session, case.id)
    return JSONResponse({**doc, "etag": etag(version)}, headers={"ETag": etag(version)})


def detail(ctx: ApiContext, session: Session, case: CaseRow) -> dict[str, Any]:
    dispatch = with_reading(CaseDispatch.model_validate_json(case.dispatch_json))  # as read at intake (old rows too)
    events = list(
        session.exec(select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(col(CaseEventRow.id)))
    )
    messages = session.exec(_messages_of(case.id)).all()
    registered = next((from_db(e.at) for e in events if e.event == Event.REGISTER), None)
    clock = receipt(case, registered)
    now = ctx.clock()
    return {
        **summary(case),
        "agreement_effective_at": _time(case.agreement_effective_at),
        "acceptance_clock": {"from": clock.source, "at": _time(clock.at)},
        "flags": dispatch.flags,
        "parties": [masked_party(p) for p in dispatch.parties],
        "history": [
            {
                "id": e.id,
                "at": _time(e.at),
                "event": e.event,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "note": history_note(e.event, e.detail),
            }
            for e in events
        ],
        "deadlines": [
            {
                "kind": d.kind.value,
                "last_day": d.due.last_day.isoformat(),
                "closes_at": _time(d.due.closes_at),
                "state": d.state.value,
                "estimated": d.estimated,
                "stopped": d.stopped,
                "rule": d.rule,
            }
            for d in ctx.services.deadlines.for_case(case, events, now)
        ],
        "messages": [
            {
                "message_id": m.message_id,
                "seq": m.seq,
                "type": m.type,
                "status": m.status,
                "attempts": m.attempts,
                "next_attempt_at": _time(m.next_attempt_at) if m.status == OutboxStatus.PENDING else None,
                "delivered_at": _time(m.delivered_at),
                "last_error": mask_text(m.last_error or "") or None,
            }
            for m in messages
        ],
        "allowed_events": allowed_events(CaseStatus(case.status)),
        "allowed_actions": allowed_actions(CaseStatus(case.status)),  # the centre's own: POST …/<action>
    }


def _messages_of(case_id: str) -> Any:
    """A case's messages without their envelopes: the view needs none, and opening them would cost a decryption per
    message (and fail on one sealed under a data key this process lacks)."""
    return (
        select(OutboxRow)
        .where(OutboxRow.case_id == case_id)
        .order_by(col(OutboxRow.id))
        .options(defer(OutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]
    )
