"""The API's pure pieces: key hashing and roles, opaque cursors, request digests and If-Match, problem rendering,
and the Guard middleware's body and time limits driven as a bare ASGI app."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from adapter.errors import CaseNotFound, InvalidRequest
from adapter.states import CaseStatus, Event, IllegalTransition
from api import cursor
from api.bounded import BoundedRoute
from api.clients import KEY_PREFIX, Role, key_digest, new_key
from api.idempotency import matches, request_digest
from api.middleware import Guard
from api.models import problem_responses
from api.problems import MAX_ERRORS, MEDIA_TYPE, Problem, field_errors, install, refusal, render

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_keys_are_random_and_stored_as_their_sha256() -> None:
    key = new_key()
    assert key.startswith(KEY_PREFIX) and len(key) > 40 and new_key() != key
    assert key_digest(key) == key_digest(key) and len(key_digest(key)) == 64 and key not in key_digest(key)


@pytest.mark.parametrize(
    ("text", "role"),
    [("centre", Role("centre")), ("ops", Role("ops")), ("admin", Role("admin")), ("court:gz", Role("court", "gz"))],
)
def test_roles_parse_and_print_back(text: str, role: Role) -> None:
    assert Role.parse(text) == role and str(role) == text


@pytest.mark.parametrize("text", ["root", "court", "court:", "centre:gz", ""])
def test_unknown_roles_are_refused(text: str) -> None:
    with pytest.raises(InvalidRequest, match="is not one of"):
        Role.parse(text)


def test_a_court_role_must_name_a_configured_platform() -> None:
    with pytest.raises(InvalidRequest, match="not configured"):
        Role.parse("court:sz", frozenset({"gz"}))


FILTERS = {"status": "ACCEPTED", "platform": None}


def test_a_cursor_round_trips_and_is_opaque() -> None:
    position = cursor.Position(NOW, "MC-1")
    token = cursor.encode(position, FILTERS)
    assert cursor.decode(token, FILTERS) == position
    assert "MC-1" not in token and "=" not in token


@pytest.mark.parametrize("token", ["", "zzz", "e30", "bm90IGpzb24", cursor.encode(cursor.Position(NOW, "x"), {})])
def test_a_foreign_or_forged_cursor_is_refused(token: str) -> None:
    with pytest.raises(cursor.BadCursor):
        cursor.decode(token, FILTERS)


def test_request_digests_ignore_key_order_but_not_content() -> None:
    assert request_digest("post", "/p", {"a": 1, "b": [1, 2]}) == request_digest("POST", "/p", {"b": [1, 2], "a": 1})
    assert request_digest("POST", "/p", {"a": 1}) != request_digest("POST", "/p", {"a": 2})
    assert request_digest("POST", "/p", {"a": 1}) != request_digest("POST", "/q", {"a": 1})


@pytest.mark.parametrize(
    ("header", "ok"),
    [('"v3"', True), ('"v2", "v3"', True), ("*", True), ('"v2"', False), ('W/"v3"', False), ("v3", False)],
)
def test_if_match_compares_strongly(header: str, ok: bool) -> None:
    assert matches(header, '"v3"') is ok


def test_a_problem_renders_as_rfc_9457() -> None:
    response = render(Problem(409, "illegal-transition", "no", current_state="DECLINED"), "req-1", "/x")
    assert response.status_code == 409 and response.media_type == MEDIA_TYPE
    assert json.loads(response.body) == {
        "type": "urn:court-docking:problem:illegal-transition",
        "title": "Conflict",
        "status": 409,
        "detail": "no",
        "instance": "/x",
        "current_state": "DECLINED",
        "request_id": "req-1",
    }


def test_use_case_refusals_map_to_404_409_422() -> None:
    assert refusal(CaseNotFound("MC-1")).status == 404  # type: ignore[union-attr]
    illegal = refusal(IllegalTransition(CaseStatus.DECLINED, Event.ACCEPT))
    assert illegal is not None and illegal.status == 409 and illegal.extensions["allowed_events"] == []
    masked = refusal(InvalidRequest("party 13812345678 unknown"))
    assert masked is not None and masked.status == 422 and "13812345678" not in masked.detail
    assert refusal(RuntimeError("bug")) is None


def _drive(guard: Guard, body: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, Any]]:
    """One POST through the guard; the status and the JSON body it answered."""
    chunks = [{"type": "http.request", "body": b, "more_body": i < len(body) - 1} for i, b in enumerate(body)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/p", "headers": headers}
    asyncio.run(guard(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(payload) if payload else {}


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _slow(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(5)


async def _identified(scope: Any, receive: Any, send: Any) -> None:
    scope["state"]["client"] = "centre"  # as api/access.py names the caller its key belongs to
    await _echo(scope, receive, send)


def test_the_guard_refuses_a_declared_or_streamed_body_over_the_limit_and_audits_it() -> None:
    """A known client's calls are recorded, a streamed body over the limit too; a body declared over it is refused
    before anyone is identified: logged, not recorded (as every call of no known client)."""
    audited: list[dict[str, Any]] = []
    guard = Guard(_identified, max_body=10, timeout=5, audit=audited.append)
    assert _drive(guard, [b"12345"], [(b"content-length", b"5")])[0] == 200
    assert _drive(guard, [b"x" * 11], [(b"content-length", b"11")])[0] == 413
    status, body = _drive(guard, [b"x" * 6, b"x" * 6], [])
    assert status == 413 and body["type"].endswith("body-too-large")
    assert [(a["client"], a["status_code"]) for a in audited] == [("centre", 200), ("centre", 413)]
    anonymous = Guard(_echo, max_body=10, timeout=5, audit=audited.append)
    assert _drive(anonymous, [b"12345"], [(b"content-length", b"5")])[0] == 200
    assert _drive(anonymous, [b"x" * 6, b"x" * 6], [])[0] == 413
    assert len(audited) == 2


def test_the_guard_answers_503_when_a_request_outlives_the_time_limit() -> None:
    guard = Guard(_slow, max_body=10, timeout=0.05, audit=lambda record: None)
    status, body = _drive(guard, [b"{}"], [(b"idempotency-key", b"k")])
    assert status == 503 and "same Idempotency-Key" in body["detail"]


def test_an_unexpected_failure_is_a_bare_500_problem(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback, no exception text: the type is logged with the request id the client gets in its problem."""
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail 11010519491231002X")

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/boom", "headers": [], "query_string": b"", "app": app}
    scope["state"] = {"request_id": "rid-1"}  # as api/middleware.py sets it
    with pytest.raises(RuntimeError):  # Starlette re-raises for the server's log, after answering
        asyncio.run(app(scope, receive, send))
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert sent[0]["status"] == 500 and body["type"].endswith("internal")
    assert "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    (line,) = [r.getMessage() for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    assert body["request_id"] == "rid-1" and "rid-1" in line, line


def test_each_refusal_in_the_openapi_document_has_its_own_example() -> None:
    """A 422's example is a validation problem naming a field, not the 409's illegal transition renumbered."""
    documented = problem_responses(400, 401, 403, 404, 409, 412, 413, 422)
    examples = {code: entry["content"]["application/problem+json"]["example"] for code, entry in documented.items()}
    assert all(example["status"] == code for code, example in examples.items())
    assert len({example["type"] for example in examples.values()}) == len(examples)
    assert examples[422]["errors"][0]["field"] == "body.reason"
    assert examples[409]["allowed_actions"] == [] and "allowed_events" in examples[409]


def test_field_errors_list_at_most_max_errors_and_count_the_rest() -> None:
    """A body of a million wrong items once took the event loop for tens of seconds to answer 82 MB (attacker
    review): the answer names the first MAX_ERRORS and counts the rest."""
    errors = [{"loc": ("body", "parties", i, "name"), "type": "missing", "msg": "Field required"} for i in range(999)]
    listed = field_errors(errors)
    assert len(listed) == MAX_ERRORS + 1 and listed[0]["field"] == "body.parties.0.name"
    assert listed[-1] == {
        "field": "body",
        "rule": "too_many_errors",
        "message": f"{999 - MAX_ERRORS} more errors, not listed: correct these first",
    }
    assert len(field_errors(errors[:MAX_ERRORS])) == MAX_ERRORS  # exactly MAX_ERRORS: nothing to count


def test_a_field_errors_message_is_masked() -> None:
    """pydantic's message may quote the input (an ID number where a name was due, say)."""
    (error,) = field_errors([{"loc": ("body", "name"), "type": "value_error", "msg": "11010519491231002X is no name"}])
    assert "11010519491231002X" not in error["message"] and "002X" in error["message"]


def _bounded_app() -> tuple[FastAPI, dict[str, Any]]:
    """An app of one BoundedRoute, POST /things taking {"name": str}, and the ASGI scope of a JSON POST to it."""
    app = FastAPI()
    install(app)
    router = APIRouter(route_class=BoundedRoute)

    class Thing(BaseModel):
        name: str

    @router.post("/things")
    def things(thing: Thing) -> dict[str, str]:
        return {"name": thing.name}

    app.router.routes.extend(router.routes)
    scope = {"type": "http", "method": "POST", "path": "/things", "headers": [(b"content-type", b"application/json")],
             "query_string": b"", "root_path": "", "app": app}  # fmt: skip
    return app, scope


def test_a_bounded_route_whose_client_goes_away_mid_body_answers_as_fastapi_does() -> None:
    """The body read fails (the client disconnected): FastAPI's own handling answers (a 400, or nothing sent), never
    a 500 with an ERROR and a traceback that any anonymous client could make (cold review)."""
    app, scope = _bounded_app()
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": b'{"na', "more_body": True}, {"type": "http.disconnect"}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(status < 500 for status in statuses), statuses


def test_a_bounded_route_answers_413_at_once_when_the_last_chunk_crosses_the_limit() -> None:
    """The chunk that crosses [api] max_body_bytes is the body's last (under load a client's chunks arrive
    together): nothing more will come but the client's disconnect, which waits on our answer. The 413 is answered
    at once — CI once found a route that read on and waited for the client until it gave up (10 s)."""
    app, scope = _bounded_app()
    guard = Guard(app, max_body=100, timeout=30, audit=lambda record: None)
    chunks = [
        {"type": "http.request", "body": b'{"name": "', "more_body": True},
        {"type": "http.request", "body": b"x" * 200 + b'"}', "more_body": False},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            return chunks.pop(0)
        await asyncio.Event().wait()  # the client sent all it had: it waits for the answer, it does not go away
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def drive() -> None:
        await asyncio.wait_for(guard(scope, receive, send), timeout=5)

    asyncio.run(drive())
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
