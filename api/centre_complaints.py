"""POST /api/centre/v1/complaints[/{id}/<action>]: the centre's complaint intake and actions, through the same use
cases as `docking complaints …` (adapter/complaints/service.py). Same conventions as the case routes
(api/centre_actions.py): Idempotency-Key on every POST, If-Match with an action (stale → 412), an illegal
transition → 409 naming the current status, the allowed events and the centre's actions among them, every
refusal RFC 9457 problem+json naming the field and the rule. No business rule lives here.

    POST /complaints                        intake (ComplaintIntake: `complaint_id` and `received_at` optional) → 201
    POST /complaints/{id}/withdraw          the complainant withdrew                       (WithdrawBody)
    POST /complaints/{id}/visit             the return visit (回访) and its satisfaction     (VisitBody)
    POST /complaints/{id}/close             close after the decision, payment or visit     (CloseComplaintBody)
    POST /complaints/{id}/review            the complainant asks for a review (核查)         (ReviewBody)
    POST /complaints/{id}/small-claim       the mediator's small-claim decision, ≤ the MoU cap (SmallClaimBody)
    POST /complaints/{id}/to-mediation      both consented: a flow-C case opens, linked     (MediationBody)
"""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from adapter.complaints.service import ComplaintServices, DuplicateComplaint
from adapter.masking import mask_text
from adapter.persistence.complaint_store import ComplaintNotFound
from api import action_run
from api.access import context, require
from api.bounded import BoundedRoute
from api.centre_actions import IdempotencyKey, IfMatch, _check_if_match
from api.clients import Client
from api.complaint_models import (
    INTAKE_EXAMPLE,
    CloseComplaintBody,
    ComplaintIntake,
    ComplaintResult,
    MediationBody,
    ReviewBody,
    SmallClaimBody,
    VisitBody,
    WithdrawBody,
)
from api.complaint_tx import ComplaintTransaction, not_found_complaint
from api.idempotency import Call
from api.models import problem_responses
from api.problems import Problem, refusal

router = APIRouter(prefix="/api/centre/v1", tags=["centre complaints"], route_class=BoundedRoute)
Centre = Annotated[Client, Depends(require("centre"))]
RESPONSES = problem_responses(400, 401, 403, 404, 409, 412, 413, 422)


def _complaint_location(body: dict[str, Any]) -> str:
    # The centre's own id may be Chinese; HTTP headers are Latin-1, so the path is percent-encoded.
    return f"/api/centre/v1/complaints/{quote(body['complaint_id'], safe='')}"


def act(
    request: Request,
    client: Client,
    key: str | None,
    if_match: str | None,
    complaint_id: str | None,
    payload: Any,
    do: Callable[[ComplaintServices], object],
    *,
    created: str | None = None,
) -> JSONResponse:
    """Run one complaint use case under the key and the version guard; replay, refuse or answer
    (api/action_run.py)."""
    _check_if_match(if_match)
    ctx = context(request)
    call = Call.of(request.scope, client.name, key, payload)
    tx = ComplaintTransaction(ctx.uow, ctx.clock, call, complaint_id=complaint_id, if_match=if_match, created=created)
    return action_run.run(
        request,
        ctx,
        call,
        tx,
        lambda: do(_services(request, tx, client)),
        refuse=_refusal,
        duplicate=DuplicateComplaint,
        location=_complaint_location,
    )


def _refusal(exc: Exception) -> Problem | None:
    """A complaint use case's refusal as its problem: 404 unknown, 409 duplicate or illegal transition, 412 stale,
    422 naming the field (under `body.`) and the rule; None for anything else."""
    if isinstance(exc, ComplaintNotFound):
        return not_found_complaint(exc.complaint_id)
    if isinstance(exc, DuplicateComplaint):
        detail = mask_text(str(exc))
        return Problem(
            409,
            "duplicate-complaint",
            detail,
            existing_complaint_id=exc.complaint_id,
            current_state=exc.status,
            errors=[{"field": "body.complaint_id", "rule": "unique", "message": detail}],
        )
    return refusal(exc, within="body")


def _services(request: Request, tx: ComplaintTransaction, client: Client) -> ComplaintServices:
    """The runtime's complaint use cases (its desks, calendar and deadline settings) over this transaction."""
    base: ComplaintServices = request.app.state.complaints
    return ComplaintServices(
        tx,
        base.clock,
        f"api:{client.name}",
        desks=base.desks,
        calendar=base.calendar,
        deadlines=base.deadlines,
        repeat_window=base.repeat_window,
    )


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


@router.post("/complaints", status_code=201, response_model=ComplaintResult, responses=RESPONSES)
def intake(
    request: Request,
    body: Annotated[ComplaintIntake, Body(openapi_examples={"phone complaint": {"value": INTAKE_EXAMPLE}})],
    client: Centre,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Receive a complaint. `complaint_id` given: the centre's own id, one complaint per id (a second intake under
    a new Idempotency-Key is a 409 naming it); left out: `CP-…` is assigned and answered (a retry under the same
    key gets the same id). `received_at` left out: now. Forwarded in the same transaction (status FORWARDED), or
    MERGED when it repeats an earlier complaint without new facts. Refused with 422 naming
    the field and the rule: an agent without a power of attorney or an heir without proof
    (`body.representative.document`), an unknown classification code (`body.classification.business|cause`), an
    amount over the institution's small-claim cap (`body.amount_in_dispute`), an institution no desk serves
    (`body.institution.uscc`)."""
    complaint = body.complete(context(request).clock())
    return act(
        request, client, key, None, None, _body(body), lambda s: s.receive(complaint), created=complaint.complaint_id
    )


@router.post("/complaints/{complaint_id}/withdraw", response_model=ComplaintResult, responses=RESPONSES)
def withdraw(
    request: Request, complaint_id: str, client: Centre, body: WithdrawBody | None = None, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """The complainant withdrew: handling ends, and the institution is told (Order 2020 No 3)."""
    body = body or WithdrawBody()
    return act(request, client, key, if_match, complaint_id, _body(body),
               lambda s: s.withdraw(complaint_id, body.reason))  # fmt: skip


@router.post("/complaints/{complaint_id}/visit", response_model=ComplaintResult, responses=RESPONSES)
def visit(
    request: Request, complaint_id: str, body: VisitBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """The return visit (回访) after a decision or a payment, with the complainant's satisfaction [P67a]."""
    return act(request, client, key, if_match, complaint_id, _body(body),
               lambda s: s.visit(complaint_id, body.satisfaction, body.note))  # fmt: skip


@router.post("/complaints/{complaint_id}/close", response_model=ComplaintResult, responses=RESPONSES)
def close(
    request: Request, complaint_id: str, client: Centre, body: CloseComplaintBody | None = None,
    key: IdempotencyKey = None, if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Close a complaint that was decided, paid, reviewed or visited."""
    body = body or CloseComplaintBody()
    return act(request, client, key, if_match, complaint_id, _body(body), lambda s: s.close(complaint_id, body.note))


@router.post("/complaints/{complaint_id}/review", response_model=ComplaintResult, responses=RESPONSES)
def review(
    request: Request, complaint_id: str, body: ReviewBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """The complainant disputes the decision and asks the institution to review it (核查) [P34][P42b]."""
    return act(request, client, key, if_match, complaint_id, _body(body),
               lambda s: s.request_review(complaint_id, body.grounds))  # fmt: skip


@router.post("/complaints/{complaint_id}/small-claim", response_model=ComplaintResult, responses=RESPONSES)
def small_claim(
    request: Request, complaint_id: str, body: SmallClaimBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """The mediator's decision on the small-claim track; an amount over the memorandum's cap is a 422 naming
    `body.amount` [P67a]."""
    return act(request, client, key, if_match, complaint_id, _body(body),
               lambda s: s.small_claim_decide(complaint_id, body.amount, body.mediator))  # fmt: skip


@router.post("/complaints/{complaint_id}/to-mediation", response_model=ComplaintResult, responses=RESPONSES)
def to_mediation(
    request: Request, complaint_id: str, body: MediationBody, client: Centre, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    """Both parties consented to mediation: a flow-C case is opened, linked to the complaint, its history carried
    over; the answer names it (`case_id`)."""
    return act(request, client, key, if_match, complaint_id, _body(body),
               lambda s: s.convert_to_mediation(complaint_id, body.complainant_consented_at,
                                                body.institution_consented_at, body.note))  # fmt: skip
