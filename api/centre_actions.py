"""POST /api/centre/v1/…: every centre action the CLI offers (cli/centre.py), through the same use case.

Each route parses, names the case and the call, and hands the use case an `ActionTransaction`
(api/idempotency.py): the action, its outbound message, the answer kept under the Idempotency-Key and the audit
row commit together. No business rule lives here.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Header, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from adapter.errors import DuplicateCase
from adapter.persistence.case_store import SqlCaseStore
from adapter.services import MAX_DOCUMENT_BYTES, CentreServices
from api import action_run
from api.access import context, require
from api.bounded import BoundedRoute
from api.case_tx import ActionTransaction
from api.clients import Client
from api.idempotency import Call
from api.models import (
    AGREEMENT_EXAMPLE,
    SELF_RECEIVED_EXAMPLE,
    ActionResult,
    CloseBody,
    DeclineBody,
    ExtendBody,
    JcBody,
    MediatorBody,
    Note,
    OutcomeBody,
    SuspendBody,
    problem_responses,
)
from api.problems import Problem, field_errors, invalid, refusal
from reference.case_intake import read_case_number
from schemas.agreement import MediationAgreement
from schemas.case import CaseDispatch
from schemas.enums import OutcomeCode
from schemas.outcome import FailureReport

router = APIRouter(prefix="/api/centre/v1", tags=["centre actions"], route_class=BoundedRoute)
Centre = Annotated[Client, Depends(require("centre"))]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Required. A unique value per intended action (e.g. a UUID)."),
]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The case's ETag as last read: a stale one is refused (412).")
]
ACTION_RESPONSES = problem_responses(400, 401, 403, 404, 409, 412, 413, 422)


def _case_location(body: dict[str, Any]) -> str:
    return f"/api/centre/v1/cases/{body['case_id']}"


def act(
    request: Request,
    client: Client,
    key: str | None,
    if_match: str | None,
    case_id: str | None,
    payload: Any,
    do: Callable[[CentreServices], object],
    *,
    within: str = "body",
    names_document: bool = False,
) -> JSONResponse:
    """Run one use case under the key and the version guard; replay, refuse or answer (api/action_run.py). `within`:
    where the use case's inputs sit in the request, so a refusal names the request's own field (api/problems.py)."""
    _check_if_match(if_match)
    ctx = context(request)
    call = Call.of(request.scope, client.name, key, payload)
    tx = ActionTransaction(ctx.uow, ctx.clock, call, case_id=case_id, if_match=if_match, names_document=names_document)
    base = ctx.services
    services = CentreServices(
        SqlCaseStore(tx),
        ctx.clock,
        f"api:{client.name}",
        platforms=base.platforms,
        deadlines=base.deadlines,
        roster=base.roster,
        seal=base.seal,
    )
    return action_run.run(
        request,
        ctx,
        call,
        tx,
        lambda: do(services),
        refuse=lambda exc: refusal(exc, within=within),
        duplicate=DuplicateCase,
        location=_case_location,
    )


def _check_if_match(if_match: str | None) -> None:
    """400 naming header.If-Match when a tag in it is not a strong entity tag ("v791", quotes included) or `*`:
    compared as given it could never match, and a 412 "it is now at "v791"" would not say why."""
    if if_match is None:
        return
    for tag in (t.strip() for t in if_match.split(",")):
        if tag != "*" and not (len(tag) >= 2 and tag[0] == tag[-1] == '"'):
            message = (
                f"If-Match {tag[:40]!r} is not an ETag as the GET of the case or complaint gives it: "
                'send it unchanged, quotes included (e.g. If-Match: "v791"); a weak W/ tag never matches'
            )
            raise Problem(
                400, "bad-if-match", message, errors=[{"field": "header.If-Match", "rule": "etag", "message": message}]
            )


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


@router.post("/cases", status_code=201, response_model=ActionResult, responses=ACTION_RESPONSES)
def register(
    request: Request,
    body: Annotated[CaseDispatch, Body(openapi_examples={"flow C": {"value": SELF_RECEIVED_EXAMPLE}})],
    client: Centre,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a case a party brought to the centre directly (flow C: `flow` must be `self_received`).

    `platform_case_id` is the centre's own case id and registers one case: a second registration under a new
    Idempotency-Key is a 409 `duplicate-case` naming `existing_case_id` (the same key replays the first 201);
    `GET /cases?platform_case_id=…` finds the case when the answer was lost."""
    # A malformed 案号 is refused here as the request's own invalid field (a 422 naming body.case_number, never
    # stored under the Idempotency-Key); the use case reads the 案号 again as the centre's intake boundary.
    try:
        read_case_number(body, loc=("body", "case_number"))
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    return act(request, client, key, None, None, _body(body), lambda s: s.register_self_received(body))


@router.post("/cases/{case_id}/accept", response_model=ActionResult, responses=ACTION_RESPONSES)
def accept(
    request: Request, case_id: str, client: Centre, body: Note | None = None, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Accept a dispatched case (within 3 working days of receipt)."""
    body = body or Note()
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.accept(case_id, body.note))


@router.post("/cases/{case_id}/decline", response_model=ActionResult, responses=ACTION_RESPONSES)
def decline(
    request: Request, case_id: str, body: DeclineBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Decline a dispatched case, with the reason the rules allow."""
    return act(
        request, client, key, if_match, case_id, _body(body), lambda s: s.decline(case_id, body.reason, body.note)
    )


@router.post("/cases/{case_id}/mediator", response_model=ActionResult, responses=ACTION_RESPONSES)
def assign_mediator(
    request: Request, case_id: str, body: MediatorBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Assign the mediator, or replace the one assigned."""
    return act(
        request, client, key, if_match, case_id, _body(body), lambda s: s.assign_mediator(case_id, body.mediator)
    )


@router.post("/cases/{case_id}/sessions", response_model=ActionResult, responses=ACTION_RESPONSES)
def hold_session(
    request: Request, case_id: str, client: Centre, body: Note | None = None, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Record a mediation session."""
    body = body or Note()
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.hold_session(case_id, body.note))


@router.post("/cases/{case_id}/extend", response_model=ActionResult, responses=ACTION_RESPONSES)
def extend(
    request: Request, case_id: str, body: ExtendBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Extend the mediation period, with all parties' consent, to a new last day."""
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.extend(case_id, body.until, body.note))


@router.post("/cases/{case_id}/suspend", response_model=ActionResult, responses=ACTION_RESPONSES)
def suspend(
    request: Request, case_id: str, body: SuspendBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Suspend mediation (e.g. suspected sham mediation), with the reason."""
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.suspend(case_id, body.note))


@router.post("/cases/{case_id}/resume", response_model=ActionResult, responses=ACTION_RESPONSES)
def resume(
    request: Request, case_id: str, client: Centre, body: Note | None = None, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Resume a suspended mediation."""
    body = body or Note()
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.resume(case_id, body.note))


@router.post("/cases/{case_id}/outcome", response_model=ActionResult, responses=ACTION_RESPONSES)
def outcome(
    request: Request, case_id: str, body: OutcomeBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """End the mediation without agreement (codes 2–8) with the failure report; a court's case goes back to it.
    Code 1 (agreement reached) is refused here: submit the agreement instead."""
    if body.code is OutcomeCode.AGREEMENT_REACHED:
        raise invalid([{"field": "body.code", "rule": "not_one", "message": "outcome 1 is the agreement action"}])
    report = FailureReport(
        facts=body.facts,
        reason=body.reason,
        cost_raising_conduct=body.cost_raising_conduct,
        points_for_court=body.points_for_court,
        undisputed_facts=body.undisputed_facts,
    )
    return act(
        request, client, key, if_match, case_id, _body(body), lambda s: s.record_failure(case_id, body.code, report)
    )


@router.post("/cases/{case_id}/agreement", response_model=ActionResult, responses=ACTION_RESPONSES)
def agreement(
    request: Request,
    case_id: str,
    client: Centre,
    agreement: Annotated[
        str,
        Form(
            description="The agreement (canonical MediationAgreement JSON, the signature records in it).",
            examples=[json.dumps(AGREEMENT_EXAMPLE, ensure_ascii=False)],
        ),
    ],
    document: Annotated[UploadFile, File(description="The signed agreement PDF; its SHA-256 must match.")],
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Submit the signed agreement (multipart: `agreement` JSON + `document` PDF); it takes effect at the last
    party's signature."""
    try:
        parsed = MediationAgreement.model_validate_json(agreement)
    except ValidationError as exc:
        raise invalid(field_errors(exc.errors(), under="agreement")) from None
    content = document.file.read(MAX_DOCUMENT_BYTES + 1)
    payload = {
        "agreement": _body(parsed),
        "document_sha256": hashlib.sha256(content).hexdigest(),
        "document_name": document.filename,
    }
    # the use case's inputs are the multipart fields themselves: "agreement" (its members "agreement.…") and "document"
    return act(
        request,
        client,
        key,
        if_match,
        case_id,
        payload,
        lambda s: s.submit_agreement(case_id, parsed, content),
        within="",
        names_document=True,
    )


@router.post("/cases/{case_id}/jc", response_model=ActionResult, responses=ACTION_RESPONSES)
def apply_jc(
    request: Request, case_id: str, body: JcBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Apply jointly for judicial confirmation, within the window after the agreement takes effect."""
    return act(
        request,
        client,
        key,
        if_match,
        case_id,
        _body(body),
        lambda s: s.apply_jc(case_id, body.applicant, body.consenting_party, body.platform),
    )


@router.post("/cases/{case_id}/close", response_model=ActionResult, responses=ACTION_RESPONSES)
def close_performed(
    request: Request, case_id: str, client: Centre, body: CloseBody | None = None, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Close a case whose agreement was performed without judicial confirmation."""
    body = body or CloseBody()
    return act(request, client, key, if_match, case_id, _body(body), lambda s: s.close_performed(case_id, body.note))
