"""The sandbox commission's HTTP server on loopback: the commission API the adapter's partner connector calls,
every request signed by the centre, every answer signed by the commission, and a small control API.

  POST /api/arb/v1/messages           the centre's message → receipt {"code": "0000"|"0001", "msgId", "caseNo"}
  GET  /api/arb/v1/feed?cursor=&limit= → {"items": [{"seq", "body", "headers"}], "nextCursor"}
  POST /api/arb/v1/cases/status       {"centreRefs": [...]} → {"code": "0000", "cases": {ref: code | null}}
Control (loopback, bearer token): POST /sandbox/misbehave {"centreRef", "faults"}, /sandbox/fail-next {"faults"},
/sandbox/forget {"centreRef"}, /sandbox/entrust {"claim", "amount"}; GET /sandbox/stats.
Refusals are JSON {"code", "message"} (the commission's receipt codes, mappings/arbitration.toml) with the HTTP
status: 400 bad message (2001), 401 signature (1001), 404 unknown case (3001), 409 wrong state (3002).
"""

import json
import uuid
from typing import Any

from sandbox.arbitration.commission import CommissionCore
from sandbox.arbitration.config import FAULTS
from sandbox.court import CourtRefusal
from sandbox.institution.server import LoopbackHandler, LoopbackServer

MESSAGES, FEED, STATUS = "/api/arb/v1/messages", "/api/arb/v1/feed", "/api/arb/v1/cases/status"


class CommissionServer(LoopbackServer):
    name = "sandbox-commission"

    def __init__(self, core: CommissionCore, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.core: CommissionCore = core
        super().__init__(core, CommissionHandler, host, port, token)


class CommissionHandler(LoopbackHandler):
    server: CommissionServer
    faults = FAULTS
    ref_field = "centreRef"
    bad_request = "2001"

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any]:
        core, path = self.server.core, url.path
        if path.startswith("/sandbox/"):
            return self.control(method, path, body)
        headers = dict(self.headers.items())
        target = f"{method} {self.server.url}{self.path}"  # signed for this commission, not another
        if method == "POST" and path == MESSAGES:
            return core.receive(body, headers, target)
        if method == "GET" and path == FEED:
            return self.read_feed(url, target)
        if method == "POST" and path == STATUS:
            core.verify_request(body, headers, target)
            try:
                refs = [str(i) for i in json.loads(body)["centreRefs"]][:1000]
            except (ValueError, KeyError, TypeError):
                raise CourtRefusal(400, "2001", 'expected {"centreRefs": [...]}') from None
            return {"code": "0000", "cases": core.status(refs)}
        raise CourtRefusal(404, "E404", f"no route {method} {path}")

    def signed(self, payload: bytes) -> dict[str, str]:
        # Every answer of the commission's API is signed (receipts above all: the centre keeps them as proof).
        if urlsplit_path(self.path).startswith("/sandbox/"):
            return {}
        return self.server.core.sign_answer(payload, uuid.uuid4().hex)

    def control_post(self, path: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if path == "/sandbox/entrust":  # the reverse flow: a case entrusted to the centre for mediation
            return {"caseNo": self.server.core.entrust(str(args["claim"]), str(args["amount"]))}
        return super().control_post(path, args)


def urlsplit_path(path: str) -> str:
    return path.split("?", 1)[0]
