"""The ASGI layer around every request: its request id, the body limit (413), the time limit, and the audit
record of every state-changing call by a known client whose action did not already write it in its own
transaction (a call without one is logged and counted, not recorded).

Pure ASGI (no BaseHTTPMiddleware): the body is counted as it streams, so a body without Content-Length cannot
slip past the limit, and nothing is buffered here.

The time limit ([api] request_timeout_seconds) cuts what waits on the event loop — above all a body that arrives
too slowly — with a 503. A use case already running in its worker thread is deliberately not abandoned (a thread
cannot be stopped safely): it finishes, its transaction commits or rolls back whole, and it answers late; the
database's own busy timeout bounds how long it can wait for a lock. A client that gave up meanwhile learns the
outcome by repeating the request under the same Idempotency-Key.
"""

import asyncio
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import anyio
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import BodyTooLarge, Problem, render

log = logging.getLogger("docking.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
PATH_KEPT, KEY_KEPT = 512, 128  # api_audit's path and idempotency_key sizes (SQLite does not enforce them)


class Guard:
    """Request id, body limit, time limit, audit (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        timeout: float,
        audit: Callable[[dict[str, Any]], None],
        identify: Callable[[str], str | None] = lambda authorization: None,
    ) -> None:
        """`identify(authorization header) -> client name or None`: who made a call refused before its route
        checked the key (a body that is not JSON, one over the limit, a timeout) — still that client's call."""
        self.app, self.max_body, self.timeout, self.audit = app, max_body, timeout, audit
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex  # a client's own id, if sane
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        outcome = {"started": False, "status": 0, "exceeded": False, "suppress": False, "audit_done": False}
        path = scope.get("path", "")

        async def audited() -> None:
            """Write the call's audit record once, before its answer is complete: a client that has its answer
            finds the call audited (an action that wrote its record in its own transaction is not written again)."""
            if outcome["audit_done"] or scope.get("method", "GET") in READS or state.get("audited"):
                return
            outcome["audit_done"] = True
            status = int(outcome["status"]) or 500
            if not state.get("client") and (authorization := headers.get("authorization")):
                state["client"] = await anyio.to_thread.run_sync(self.identify, authorization)
            if not state.get("client"):
                # No client we know (no key, a wrong one): logged and counted (docking_api_requests), not
                # recorded. Anyone can send these; a row each would let any client grow the audit chain, which is
                # never pruned, and take the database's write lock at will.
                peer = scope.get("client") or ("-", 0)
                method, shown = scope.get("method", ""), _printable(_cut(path))
                log.info("unidentified %s %s from %s answered %d", method, shown, peer[0], status)
                return
            record = {
                "client": state["client"],
                "request_id": request_id,
                "method": scope.get("method", ""),
                "path": _cut(path, PATH_KEPT),
                "status_code": status,
                "idempotency_key": _cut(key, KEY_KEPT) if (key := headers.get("idempotency-key")) is not None else None,
                "replayed": bool(state.get("replayed")),
            }
            try:
                await anyio.to_thread.run_sync(self.audit, record)
            except Exception as exc:  # a lost audit row is said, not raised: the call itself is done
                log.error("audit record for request %s not written: %s", request_id, type(exc).__name__)

        async def problem(p: Problem) -> None:
            response = render(p, request_id, path)
            response.headers["x-request-id"] = request_id
            outcome["status"] = p.status
            await audited()
            await response(scope, _closed, send)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                if outcome["exceeded"]:  # whatever the app made of the cut-off body, the answer is 413
                    outcome["suppress"] = True
                    await problem(BodyTooLarge(self.max_body))
                    outcome["started"] = True
                    return
                outcome["started"], outcome["status"] = True, message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            elif outcome["suppress"]:
                return
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await audited()  # before the last byte of the answer
            await send(message)

        received = 0

        async def receiving() -> Message:
            nonlocal received
            if outcome["exceeded"]:  # read on after the refusal: the rest may never come (the client waits on us)
                raise BodyTooLarge(self.max_body)
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    outcome["exceeded"] = True
                    raise BodyTooLarge(self.max_body)
            return message

        declared = headers.get("content-length", "")
        # Every log line of the request names it (cli/logs.py renders the bound ids); the handler's worker thread
        # copies the context, so the binding follows the request there too.
        binding = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            if declared.isdigit() and int(declared) > self.max_body:
                await problem(BodyTooLarge(self.max_body))  # refused before a byte of it is read
            else:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for runs the app in a task of its own, one more
                # task and loop turn per request (bench/api.py, #16); this cancels the request's own task instead.
                async with asyncio.timeout(self.timeout):
                    await self.app(scope, receiving, sending)
        except TimeoutError:
            if not outcome["started"]:
                await problem(
                    Problem(
                        503,
                        "timeout",
                        f"the request took longer than {self.timeout:g} s; it may still complete: repeat it with the "
                        "same Idempotency-Key to learn its outcome",
                        headers={"Retry-After": "1"},
                    )
                )
        except BodyTooLarge as exc:
            if not outcome["started"]:
                await problem(exc)
        finally:
            await audited()  # an answer that never completed (the app failed, the client went away) is audited too
            structlog.contextvars.reset_contextvars(**binding)


def _cut(text: str, keep: int = 200) -> str:
    """`text` cut to `keep` characters, the cut said ("…" last)."""
    return text if len(text) <= keep else text[: keep - 1] + "…"


def _printable(text: str) -> str:
    """`text` with its control characters escaped: a decoded path may hold a newline (%0A) a log line must not."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


async def _closed() -> Message:
    return {"type": "http.disconnect"}
