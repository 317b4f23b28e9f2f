"""The sandbox institution's HTTP server on loopback: the desk API the adapter's complaint-desk connector calls
(connectors/complaint_desk.py), every request signed by the centre, and a small control API.

  POST /api/desk/v1/messages            the centre's message → {"code": "0", "xxbh", "cf", "jgslh"}
  GET  /api/desk/v1/feed?cursor=&limit= → {"items": [{"seq", "body", "headers"}], "next_cursor"}
  POST /api/desk/v1/complaints/status   {"tsbh": [...]} → {"code": "0", "complaints": {tsbh: code | null}}
Control (loopback, bearer token): POST /sandbox/misbehave {"tsbh", "faults": [...]}, POST /sandbox/fail-next
{"faults": ["error"|"throttle"|"timeout"|"drop"|"refuse"]}, POST /sandbox/forget {"tsbh"}, GET /sandbox/stats.
Refusals are JSON {"code", "message"} with the HTTP status: 400 bad message, 401 signature, 404 unknown complaint.
"""

import json
import re
import time
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from sandbox.court import CourtRefusal
from sandbox.institution.config import FAULTS
from sandbox.institution.desk import DeskCore
from sandbox.loopback import LoopbackHTTPServer, LoopbackRequestHandler
from sandbox.server import MAX_BODY
from sandbox.wire import wire_json


class ServedCore(Protocol):
    """What the transport half of a loopback sandbox needs of the simulated partner behind it (sandbox/signed_feed.py
    provides most of it)."""

    rejected: list[tuple[str, str]]

    @property
    def config(self) -> Any: ...  # latency_seconds, timeout_seconds

    def draw_fault(self) -> str | None: ...
    def fail_next(self, *faults: str) -> None: ...
    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None: ...
    def feed(self, cursor: int, limit: int) -> dict[str, Any]: ...
    def misbehave(self, ref: str, *faults: str) -> None: ...
    def forget(self, ref: str) -> None: ...
    def stats(self) -> dict[str, Any]: ...


ServedCoreT = TypeVar("ServedCoreT", bound=ServedCore)


class LoopbackServer(LoopbackHTTPServer[ServedCoreT]):
    """A sandbox partner's server on loopback (a complaint desk, an arbitration commission) around a core that serves
    the partner REST vocabulary: its bearer token, start and stop are sandbox/loopback.py's."""


class DeskServer(LoopbackServer[DeskCore]):
    name = "sandbox-desk"

    def __init__(self, core: DeskCore, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        super().__init__(core, DeskHandler, host, port, token)


class LoopbackHandler(LoopbackRequestHandler):
    """The transport half: body limits, latency and injected transport faults, JSON answers, the control API's
    bearer token and loopback check. Subclasses route."""

    server: LoopbackServer[Any]

    def handle_request(self, method: str) -> None:
        core = self.server.core
        try:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise CourtRefusal(400, "E400", "Content-Length is not a number") from None
            if not 0 <= length <= MAX_BODY:
                raise CourtRefusal(413, "E413", f"body of {length} bytes is not accepted")
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            if url.path.startswith("/api/"):
                if core.config.latency_seconds:
                    time.sleep(core.config.latency_seconds)
                fault = core.draw_fault()
                if fault is not None and self.inflict(fault):
                    return
            self.reply(200, self.route(method, url, body))
        except CourtRefusal as refusal:
            core.rejected.append((refusal.code, refusal.message))
            self.reply(refusal.status, {"code": refusal.code, "message": refusal.message})
        except Exception as exc:  # a sandbox answers, it never drops the connection on its own bug
            self.reply(500, {"code": "E500", "message": f"internal error: {type(exc).__name__}"})

    # The partner's misbehaviours and the field naming a record in control requests; a refusal's code.
    faults: tuple[str, ...] = ()
    ref_field = "id"
    bad_request = "E400"

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any]:
        raise NotImplementedError

    def read_feed(self, url: Any, target: str) -> dict[str, Any]:
        """GET …/feed?cursor=&limit=: verified like any request, then a page of the partner's feed."""
        core = self.server.core
        core.verify_request(b"", dict(self.headers.items()), target)
        query = parse_qs(url.query)
        try:
            cursor, limit = int(query.get("cursor", ["0"])[0] or 0), int(query.get("limit", ["100"])[0])
        except ValueError:
            raise CourtRefusal(400, self.bad_request, "cursor and limit must be integers") from None
        return core.feed(cursor, limit)

    def status_ids(self, body: bytes, target: str, field: str) -> list[str]:
        """POST …/status {field: [...]}: verified like any request, then the ids asked about (the first 1000)."""
        self.server.core.verify_request(body, dict(self.headers.items()), target)
        try:
            return [str(i) for i in json.loads(body)[field]][:1000]
        except (ValueError, KeyError, TypeError):
            raise CourtRefusal(400, self.bad_request, f'expected {{"{field}": [...]}}') from None

    def checked_month(self, month: str) -> str:
        """GET …/statistics?month=: a month YYYY-MM (2000–2099), or 400 naming the form."""
        if not re.fullmatch(r"20[0-9]{2}-(0[1-9]|1[0-2])", month):
            raise CourtRefusal(400, self.bad_request, "month must be YYYY-MM")
        return month

    def control(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        """The control API (loopback, bearer token): GET /sandbox/stats; POST /sandbox/<what> (`control_post`)."""
        self.authorise_control()
        if method == "GET" and path == "/sandbox/stats":
            return self.server.core.stats()
        try:
            answer = self.control_post(path, json.loads(body or b"{}")) if method == "POST" else None
        except (ValueError, TypeError, KeyError) as exc:
            raise CourtRefusal(400, "E400", f"bad control request: {type(exc).__name__}") from None
        if answer is None:
            raise CourtRefusal(404, "E404", f"no control route {method} {path}")
        return answer

    def control_post(self, path: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """misbehave {ref, faults}, fail-next {faults}, forget {ref}; None for a path it does not know."""
        core, ref = self.server.core, self.ref_field
        if path == "/sandbox/misbehave":
            faults = [str(f) for f in args["faults"]]
            if not set(faults) <= set(self.faults):
                raise CourtRefusal(400, "E400", f"faults must be among {', '.join(self.faults)}")
            core.misbehave(str(args[ref]), *faults)
            return {ref: args[ref], "faults": faults}
        if path == "/sandbox/fail-next":
            core.fail_next(*[str(f) for f in args["faults"]])
            return {"failing": args["faults"]}
        if path == "/sandbox/forget":
            core.forget(str(args[ref]))
            return {"forgotten": args[ref]}
        return None

    def authorise_control(self) -> None:
        denial = self.control_denial()
        if denial is not None:
            raise CourtRefusal(denial[0], f"E{denial[0]}", denial[1])

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, wire_json(doc), "application/json; charset=utf-8", headers)


class DeskHandler(LoopbackHandler):
    server: DeskServer
    faults = FAULTS
    ref_field = "tsbh"

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any]:
        core, path = self.server.core, url.path
        if path.startswith("/sandbox/"):
            return self.control(method, path, body)
        headers = dict(self.headers.items())
        target = f"{method} {self.server.url}{self.path}"  # the desk checks the request was signed for itself
        if method == "POST" and path == "/api/desk/v1/messages":
            return core.receive(body, headers, target)
        if method == "GET" and path == "/api/desk/v1/feed":
            return self.read_feed(url, target)
        if method == "POST" and path == "/api/desk/v1/complaints/status":
            return {"code": "0", "complaints": core.status(self.status_ids(body, target, "tsbh"))}
        raise CourtRefusal(404, "E404", f"no route {method} {path}")
