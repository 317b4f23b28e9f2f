"""RFC 9457 problem details: the one shape every refusal and failure of the API takes.

    Problem                      an answer that is not a success; status, title, detail, extension members
    ├── BodyTooLarge             413: the body passed [api] max_body_bytes (raised while it is read)
    └── (instances made by name: bad_request, unauthorized, forbidden, not_found, conflict, …)

`install(app)` registers one handler per error class, so routes raise and never build error answers themselves:
the core's CaseNotFound → 404, IllegalTransition → 409 naming the current state and the allowed events,
DuplicateCase → 409 naming the case registered first (`existing_case_id`),
InvalidRequest and pydantic's ValidationError → 422 naming the field and the rule (an InvalidRequest about the
case's state rather than one input names its rule alone), a database that is busy or down
→ 503 with Retry-After; anything else → a bare 500 (logged by type only, never a traceback to the client).
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DatabaseError
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapter.complaints.states import TRANSITIONS as COMPLAINT_TRANSITIONS
from adapter.complaints.states import ComplaintEvent, ComplaintStatus, IllegalComplaintTransition
from adapter.errors import CaseNotFound, DuplicateCase, InvalidRequest
from adapter.masking import mask_text
from adapter.persistence.diagnosis import condition_of
from adapter.states import TRANSITIONS, CaseStatus, Event, IllegalTransition

log = logging.getLogger("docking.api")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:court-docking:problem:"  # stable identifiers; nothing to dereference
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An answer that is not a success. `kind` becomes the type URI; `extensions` are extra members (RFC 9457 §3.2)."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = dict(headers or {})
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": TYPE_BASE + self.kind,
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        return {**doc, **self.extensions}


class BodyTooLarge(Problem):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "body-too-large", f"the request body is larger than {limit} bytes ([api] max_body_bytes)")


def render(problem: Problem, request_id: str | None = None, instance: str | None = None) -> JSONResponse:
    body = problem.body(instance)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


_UNPARSED = "error parsing the body"  # FastAPI's 400 for a body it cannot read as its declared content type


def unparsed_body(content_type: str) -> Problem:
    """400 naming the body: it is not readable as the content type it declares (e.g. JSON that is not JSON)."""
    declared = content_type.split(";")[0].strip()[:80] or "none"
    message = f"the body cannot be read as its declared content type ({declared})"
    return Problem(400, "unreadable-body", message, errors=[{"field": "body", "rule": "parse", "message": message}])


MAX_ERRORS = 50  # field errors listed in one answer; the rest are counted (see field_errors)


def field_errors(errors: Sequence[Mapping[str, Any]], *, under: str = "") -> list[dict[str, str]]:
    """pydantic's errors as {field, rule, message}: where, which rule (pydantic's error type), what it said.
    `under`: the request field the errors' locations are relative to (e.g. "agreement", a multipart field's JSON).
    The input values are left out on purpose, and ID and phone numbers masked in the messages (an amount is shown
    as given, adapter/field_errors.py).
    At most MAX_ERRORS are listed, then one {"field": "body", "rule": "too_many_errors"} counting the rest: a body
    of a million wrong items once took the event loop for tens of seconds to answer 82 MB (attacker review)."""
    listed = [_field_error(e, under) for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        more = f"{len(errors) - MAX_ERRORS} more errors, not listed: correct these first"
        listed.append({"field": under or "body", "rule": "too_many_errors", "message": more})
    return listed


def _field_error(error: Mapping[str, Any], under: str) -> dict[str, str]:
    loc = [str(p) for p in error.get("loc", ())]
    rule, message = str(error.get("type", "invalid")), str(error.get("msg", ""))
    message = message.removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
    if rule == "json_invalid" and loc[:1] == ["body"]:
        # FastAPI puts the character position where the field goes ("body.8"): the field is the body itself
        at = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = str((error.get("ctx") or {}).get("error", "")) or "not JSON"
        loc, message = ["body"], f"the body is not valid JSON ({reason}{at}); send one JSON object"
    field = ".".join([under, *loc] if under else loc) or "body"
    return {"field": field, "rule": rule, "message": mask_text(message)}


def invalid(errors: list[dict[str, str]]) -> Problem:
    named = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Problem(422, "validation", f"the request is not valid: {named}", errors=errors)


def illegal_transition(exc: IllegalTransition) -> Problem:
    actions = allowed_actions(exc.status)
    if actions:
        then = f"; the centre may now: {', '.join(actions)} (POST /cases/{{id}}/<action>)"
    else:
        then = "; no centre action is open now: the case waits for the court or has ended"
    return Problem(
        409,
        "illegal-transition",
        f"{exc}{then}",
        current_state=exc.status.value,
        event=exc.event.value,
        allowed_events=allowed_events(exc.status),
        allowed_actions=actions,
    )


def allowed_events(status: CaseStatus) -> list[str]:
    """Every state-machine event open in `status` (adapter/states.py), the court's and the clock's included."""
    return sorted(e.value for (s, e) in TRANSITIONS if s is status)


# The centre API's action (the last segment of POST /cases/{id}/<action>) for each event it can cause; the other
# events (acceptance_timeout, jc_confirmed, …) come from the court or the clock, never from the centre.
_ACTIONS = {
    Event.ACCEPT: "accept",
    Event.DECLINE: "decline",
    Event.ASSIGN_MEDIATOR: "mediator",
    Event.HOLD_SESSION: "sessions",
    Event.EXTEND: "extend",
    Event.SUSPEND: "suspend",
    Event.RESUME: "resume",
    Event.TERMINATE: "outcome",
    Event.DRAFT_AGREEMENT: "agreement",
    Event.APPLY_JC: "jc",
    Event.CLOSE_PERFORMED: "close",
}


def allowed_actions(status: CaseStatus) -> list[str]:
    """The centre API actions open in `status`, as the endpoints name them (e.g. ["mediator", "outcome"])."""
    return sorted({_ACTIONS[e] for (s, e) in TRANSITIONS if s is status and e in _ACTIONS})


# The complaint actions (POST /complaints/{id}/<action>, api/centre_complaints.py) for the events the centre causes.
COMPLAINT_ACTIONS = {
    ComplaintEvent.WITHDRAW: "withdraw",
    ComplaintEvent.VISIT: "visit",
    ComplaintEvent.CLOSE: "close",
    ComplaintEvent.REQUEST_REVIEW: "review",
    ComplaintEvent.SMALL_CLAIM_DECIDE: "small-claim",
    ComplaintEvent.CONVERT_TO_MEDIATION: "to-mediation",
}


def complaint_actions(status: ComplaintStatus) -> list[str]:
    """The centre's complaint actions open in `status`, as the endpoints name them."""
    return sorted({COMPLAINT_ACTIONS[e] for (s, e) in COMPLAINT_TRANSITIONS if s is status and e in COMPLAINT_ACTIONS})


def illegal_complaint_transition(exc: IllegalComplaintTransition) -> Problem:
    """409 naming the complaint's status, the events open there and the centre's actions among them."""
    actions = complaint_actions(exc.status)
    then = f"; the centre may now: {', '.join(actions)}" if actions else "; no centre action is open now"
    return Problem(
        409,
        "illegal-transition",
        f"{exc}{then}",
        current_state=exc.status.value,
        event=exc.event.value,
        allowed_events=exc.allowed,
        allowed_actions=actions,
    )


def _request_id(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def install(app: FastAPI) -> None:
    """One handler per error class (STYLE.md: translate once, at the boundary)."""

    def answer(request: Request, problem: Problem) -> JSONResponse:
        return render(problem, _request_id(request), request.url.path)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return answer(request, invalid(field_errors(exc.errors())))

    async def _refusal(request: Request, exc: Exception) -> JSONResponse:
        # ValidationError: e.g. an over-long mediator name met by the use case's own model (schemas/progress.py)
        problem = refusal(exc)
        assert problem is not None
        return answer(request, problem)

    for refused in (
        ValidationError, CaseNotFound, IllegalTransition, DuplicateCase, InvalidRequest, IllegalComplaintTransition,
    ):  # fmt: skip
        app.add_exception_handler(refused, _refusal)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and _UNPARSED in str(exc.detail):
            return answer(request, unparsed_body(request.headers.get("content-type", "")))
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        problem = Problem(exc.status_code, kind, str(exc.detail), headers=exc.headers)
        return answer(request, problem)

    @app.exception_handler(DatabaseError)
    async def _database(request: Request, exc: DatabaseError) -> JSONResponse:
        return answer(request, database_problem(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # the id named in the answer, in the line (this handler runs outside the middleware that binds it to the log)
        log.error(
            "%s %s failed unexpectedly: %s (request %s)",
            request.method, request.url.path, type(exc).__name__, _request_id(request),
        )  # fmt: skip
        return answer(request, Problem(500, "internal", "the request failed; the server log has its request id"))


def refusal(exc: Exception, *, within: str = "") -> Problem | None:
    """A use case's refusal as a problem (404, 409, 422), or None for anything else. `within`: where the use case's
    inputs sit in the request (e.g. "body"), put before an InvalidRequest's field so it names the request's own."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, CaseNotFound):
        return not_found_case(exc.case_id)
    if isinstance(exc, IllegalTransition):
        return illegal_transition(exc)
    if isinstance(exc, IllegalComplaintTransition):
        return illegal_complaint_transition(exc)
    if isinstance(exc, DuplicateCase):
        return duplicate_case(exc, within)
    if isinstance(exc, InvalidRequest):
        return invalid_request(exc, within)
    if isinstance(exc, ValidationError):
        return invalid(field_errors(exc.errors()))
    return None


def invalid_request(exc: InvalidRequest, within: str = "") -> Problem:
    """422 `invalid-request`: with `errors` [{field, rule, message}] when the refusal names its input (as a
    validation problem does), else with its `rule` alone; the message masked (it may quote an ID number)."""
    detail = mask_text(str(exc))
    if exc.field:
        field = f"{within}.{exc.field}" if within else exc.field
        return Problem(
            422, "invalid-request", detail, errors=[{"field": field, "rule": exc.rule or "invalid", "message": detail}]
        )
    if exc.rule:
        return Problem(422, "invalid-request", detail, rule=exc.rule)
    return Problem(422, "invalid-request", detail)


def duplicate_case(exc: DuplicateCase, within: str = "") -> Problem:
    """409 `duplicate-case`: the centre case id is already registered; `existing_case_id` is our id of that case
    and `errors` names the field, so a centre that lost the first answer finds its case (GET /cases/{id})."""
    detail = mask_text(str(exc))
    field = f"{within}.{exc.field}" if within else exc.field
    return Problem(
        409,
        "duplicate-case",
        detail,
        existing_case_id=exc.existing_case_id,
        errors=[{"field": field, "rule": "unique", "message": detail}],
    )


def not_found_case(case_id: str) -> Problem:
    return Problem(404, "case-not-found", f"no case {case_id!r}")


def database_problem(exc: DatabaseError) -> Problem:
    cause = condition_of(exc)
    if cause is None:  # a statement the database refused: a bug, logged by type only
        log.error("a database statement was refused: %s", type(exc.orig).__name__)
        return Problem(500, "internal", "the request failed; the server log has its request id")
    return Problem(
        503,
        "database-unavailable",
        f"the database is unavailable ({cause.name}); retry later",
        headers={"Retry-After": "5"},
    )
