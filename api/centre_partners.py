"""The centre's partner routes — the traffic platform, arbitration commissions, the SPC roster (partners.md §2–§4)
— generic over the kinds through the PartnerSpec registry (adapter/partners/specs.py): every kind's actions are
run by one use case (adapter/partners/service.py run_action), which the CLI and the console call too. Same
conventions as the case and complaint routes: Idempotency-Key on every POST (api/action_run.py), If-Match with an
action on a record (stale → 412), an illegal transition → 409 naming the status, the events allowed and the
centre's `allowed_actions` now, a second opening of what an open record already is (the same settlement, USCC, or
mediator in an organisation) → 409 `duplicate-record` naming `existing_record_id`, every refusal RFC 9457
problem+json naming the field and the rule — a 422 lists every input error, each with its named rule; an unknown
kind or action → 404 naming the known ones; an unknown status filter → 422 naming the statuses.

    GET  /partners/records?kind=&partner=&status=&cursor=   list columns, keyset pages (oldest first)
    GET  /partners/records/{record_id}                       masked facts, history, due dates, messages; ETag
    POST /partners/{kind}/actions/{action}?partner=NAME      an opening action (the action's input) → 201, Location
    POST /partners/records/{record_id}/actions/{action}      an action on the record (the action's input)

The body of an action is its input model (Action.input), validated with the field named (`body.<field>`); the
OpenAPI document lists one schema per action (`document`).
"""

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import defer
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from adapter.deadlines import WorkCalendar
from adapter.errors import InvalidRequest
from adapter.field_errors import InvalidInput
from adapter.partners.duplicates import DuplicatePartnerRecord
from adapter.partners.machine import IllegalPartnerTransition
from adapter.partners.service import run_action
from adapter.partners.spec import allowed_actions
from adapter.partners.specs import SPECS, spec_for
from adapter.partners.sweep import rules_lookup
from adapter.partners.views import check_status
from adapter.persistence import partner_store as store
from adapter.persistence.partner_store import PartnerRecordNotFound
from adapter.persistence.partner_tables import PartnerRecordRow
from api import action_run, cursor
from api.access import context, require
from api.bounded import within_items
from api.centre_actions import IdempotencyKey, _check_if_match
from api.clients import Client
from api.idempotency import Call, etag
from api.models import problem_responses
from api.partner_openapi import BASE, RESPONSES, IfMatch, document  # noqa: F401  (app.py calls centre_partners.document)
from api.partner_tx import PartnerTransaction, not_found_record
from api.partner_view import Rules, detail, summary
from api.problems import MAX_ERRORS, Problem, refusal
from scheduler.partners import PartnerRuntime
from schemas.clock import from_db
from schemas.partner import PartnerKind

router = APIRouter(prefix="/api/centre/v1/partners", tags=["centre partners"])

Centre = Annotated[Client, Depends(require("centre"))]


def rules_of(request: Request) -> Rules:
    """`rules(partner, kind)`: each configured partner's rules ([partners.<name>.rules], checked at load), else its
    kind's defaults (scheduler/partners.py)."""
    partners: PartnerRuntime | None = request.app.state.partners
    return partners.rules_for if partners is not None else rules_lookup({})


def calendar_of(request: Request) -> WorkCalendar:
    partners: PartnerRuntime | None = request.app.state.partners
    return partners.calendar if partners is not None else request.app.state.complaints.calendar


def _invalid(field: str, rule: str, message: str) -> Problem:
    return Problem(422, "validation", message, errors=[{"field": field, "rule": rule, "message": message}])


@router.get("/records", responses=problem_responses(401, 403, 422))
def list_records(
    request: Request,
    client: Centre,
    kind: Annotated[PartnerKind | None, Query(description="traffic, arbitration or roster.")] = None,
    partner: Annotated[str | None, Query(max_length=64, description="Only this partner's ([partners.<name>]).")] = None,
    status: Annotated[str | None, Query(max_length=32, description="Only records in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(alias="cursor", description="next_cursor of the previous page.")] = None,
) -> dict[str, Any]:
    """Partner records, oldest first (their ids sort by creation); filters combine; list columns only."""
    filters = {"kind": kind.value if kind else None, "partner": partner, "status": status}
    try:
        check_status(filters["kind"], status)
    except InvalidRequest as exc:
        raise _invalid("query.status", exc.rule or "unknown_status", str(exc)) from None
    query = select(PartnerRecordRow).options(defer(PartnerRecordRow.facts_json))  # type: ignore[arg-type]
    for column, value in ((PartnerRecordRow.kind, filters["kind"]), (PartnerRecordRow.partner, partner),
                          (PartnerRecordRow.status, status)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        try:
            query = query.where(col(PartnerRecordRow.record_id) > cursor.decode(after, filters).case_id)
        except cursor.BadCursor as exc:
            raise _invalid("query.cursor", "cursor", f"cursor {exc}") from None
    with context(request).reads.begin() as session:
        rows = list(session.exec(query.order_by(col(PartnerRecordRow.record_id)).limit(limit + 1)).all())
    more, rows = len(rows) > limit, rows[:limit]
    token = None
    if more:
        token = cursor.encode(cursor.Position(from_db(rows[-1].opened_at), rows[-1].record_id), filters)
    return {"items": [summary(r) for r in rows], "next_cursor": token}


@router.get("/records/{record_id}", responses=problem_responses(401, 403, 404))
def show_record(request: Request, record_id: str, client: Centre) -> JSONResponse:
    """One record: its facts masked, history, due dates, messages to the partner with their delivery state, the
    centre's actions legal now (`allowed_actions`), the events its status allows (`allowed_events`, by side in
    `events_by_side`) and the kind's actions. The ETag header is its version (send it as If-Match)."""
    ctx = context(request)
    with ctx.reads.begin() as session:
        row = store.find(session, record_id, lock=False)
        if row is None:
            raise not_found_record(record_id)
        doc = detail(session, row, calendar_of(request), rules_of(request), ctx.clock())
    tag = etag(row.version)
    return JSONResponse({**doc, "etag": tag}, headers={"ETag": tag})


def _known_kind(kind: str) -> PartnerKind:
    try:
        return spec_for(kind).kind
    except KeyError as exc:
        known = sorted(k.value for k in SPECS)
        raise Problem(404, "unknown-partner-kind", str(exc.args[0]), known_kinds=known) from None


def _known_action(kind: PartnerKind, action: str, *, opens: bool) -> None:
    actions = spec_for(kind).actions
    if action not in actions or actions[action].opens != opens:
        known = sorted(name for name, a in actions.items() if a.opens == opens)
        where = "opening a record" if opens else "on a record"
        raise Problem(
            404, "unknown-partner-action",
            f"{kind.value} has no action {action!r} {where}; known: {', '.join(known) or 'none'}", known_actions=known,
        )  # fmt: skip


def _partner_for(request: Request, kind: PartnerKind, partner: str | None) -> str:
    """The partner an opening action is for: the one named (configured, of this kind), or the only one of the kind."""
    mine = sorted(n for n, c in context(request).settings.partners.items() if c.kind == kind)
    if partner is None and len(mine) == 1:
        return mine[0]
    if partner is None or partner not in mine:
        rule = "required" if partner is None else "unknown_partner"
        raise _invalid("query.partner", rule, f"name the {kind.value} partner: one of {', '.join(mine) or 'none'}")
    return partner


async def _payload(request: Request) -> dict[str, Any]:
    raw = await request.body()
    await within_items(request, raw)  # a million items would be read and judged one by one (api/bounded.py)
    try:
        payload = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise _invalid("body", "json", "the body is not JSON: send the action's input as a JSON object") from None
    if not isinstance(payload, dict):
        raise _invalid("body", "object", "the body is the action's input: a JSON object")
    return payload


@router.post("/{kind}/actions/{action}", status_code=201, responses=RESPONSES)
async def open_record(
    request: Request,
    client: Centre,
    kind: Annotated[str, Path(description="traffic, arbitration or roster.")],
    action: Annotated[str, Path(description="An action that opens a record (the kind's actions).")],
    partner: Annotated[str | None, Query(max_length=64, description="Optional when the kind has one partner.")] = None,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Run an action that opens a record (an arbitration application, a roster entry …): 201 with its id, ETag and
    Location. The body is the action's input (see the action schemas)."""
    known = _known_kind(kind)
    _known_action(known, action, opens=True)
    name = _partner_for(request, known, partner)
    payload = await _payload(request)
    return await run_in_threadpool(_act, request, client, key, None, known, action, None, name, payload)


@router.post("/records/{record_id}/actions/{action}", responses=RESPONSES)
async def act_on_record(
    request: Request, client: Centre, record_id: str, action: str, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Run one of the record's kind's actions on it (accept an offer, answer, withdraw …); If-Match its ETag. The
    body is the action's input (see the action schemas)."""
    with context(request).reads.begin() as session:
        row = store.find(session, record_id, lock=False)
        kind = PartnerKind(row.kind) if row is not None else None
        partner = row.partner if row is not None else None
    if kind is not None:
        _known_action(kind, action, opens=False)
    payload = await _payload(request)
    return await run_in_threadpool(_act, request, client, key, if_match, kind, action, record_id, partner, payload)


def _act(
    request: Request, client: Client, key: str | None, if_match: str | None, kind: PartnerKind | None, action: str,
    record_id: str | None, partner: str | None, payload: dict[str, Any],
) -> JSONResponse:  # fmt: skip
    _check_if_match(if_match)
    ctx = context(request)
    call = Call.of(request.scope, client.name, key, payload)
    tx = PartnerTransaction(ctx.uow, ctx.clock, call, record_id=record_id, if_match=if_match)

    def do() -> object:
        if kind is None or partner is None:  # read as missing: the transaction's lock says 404 (or replays)
            with tx.begin():
                raise not_found_record(str(record_id))
        return run_action(
            tx, kind, action, record_id, payload, partner=partner, actor=f"api:{client.name}", now=ctx.clock(),
            rules=rules_of(request)(partner, kind.value), services=ctx.services,
        )  # fmt: skip

    def refuse(exc: Exception) -> Problem | None:
        return _refusal(exc, lambda: _actions_now(request, record_id))

    return action_run.run(request, ctx, call, tx, do, refuse=refuse, duplicate=_Never,
                          location=lambda body: f"{BASE}/records/{body['record_id']}")  # fmt: skip


class _Never(Exception):
    """A partner record has no registration that can be duplicated by the centre (ids are ours)."""


def _actions_now(request: Request, record_id: str | None) -> list[str]:
    """The centre's actions the record allows now (read after a refusal: the refused action changed nothing)."""
    if record_id is None:
        return []
    with context(request).reads.begin() as session:
        row = store.find(session, record_id, lock=False)
        return [] if row is None else allowed_actions(spec_for(row.kind), store.view(row))


def _refusal(exc: Exception, actions_now: Callable[[], list[str]] = list) -> Problem | None:
    """A partner action's refusal as its problem: 404 unknown record, 409 illegal transition (with the events the
    status allows and the centre's actions open now, `actions_now()`), 409 duplicate-record naming the open record
    it duplicates, 422 naming every field (under `body.`) and its rule; None for anything else."""
    if isinstance(exc, PartnerRecordNotFound):
        return not_found_record(exc.record_id)
    if isinstance(exc, IllegalPartnerTransition):
        return Problem(
            409, "illegal-transition", str(exc), current_state=exc.status, event=exc.event,
            allowed_events=exc.allowed, allowed_actions=actions_now(),
        )  # fmt: skip
    if isinstance(exc, DuplicatePartnerRecord):
        return Problem(
            409, "duplicate-record", str(exc), existing_record_id=exc.existing_record_id,
            errors=[{"field": f"body.{exc.field}", "rule": "unique", "message": str(exc)}],
        )  # fmt: skip
    if isinstance(exc, InvalidRequest) and exc.field in ("kind", "action"):
        return Problem(404, f"unknown-partner-{exc.field}", str(exc))
    if isinstance(exc, InvalidRequest) and exc.field in ("partner", "record_id"):
        where = "query" if exc.field == "partner" else "path"
        return _invalid(f"{where}.{exc.field}", exc.rule or "invalid", str(exc))
    if isinstance(exc, InvalidInput):  # every error of the input, not only the first; each message masked already
        errors = [
            {"field": f"body.{field}", "rule": rule, "message": message}
            for field, rule, message in exc.errors[:MAX_ERRORS]
        ]
        if len(exc.errors) > MAX_ERRORS:  # as api/problems.py field_errors counts the rest
            more = f"{len(exc.errors) - MAX_ERRORS} more errors, not listed: correct these first"
            errors.append({"field": "body", "rule": "too_many_errors", "message": more})
        return Problem(422, "invalid-request", str(exc), errors=errors)  # (an amount shown as given: not personal)
    return refusal(exc, within="body")
