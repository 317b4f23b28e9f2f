"""The sandbox commission's HTTP server on loopback: the generic partner REST vocabulary (connectors/partner_rest.py)
under the commission's base path, its messages in the arb-commission wire (mappings/arbitration.py), every request
signed by the centre, every answer signed by the commission, and a small control API.

  POST /api/arb/v1/messages     the centre's message → receipt {"code": "0", "message_id", "duplicate",
                                "partner_ref": the case number}; refused: 4xx {"code", "message"} (400 malformed,
                                401 signature, 404 unknown_case, 409 wrong_state, 422 a record it was told to refuse)
  GET  /api/arb/v1/feed?cursor=&limit= → {"items": [{"seq", "body", "headers"}], "next_cursor"}
  POST /api/arb/v1/status       {"record_ids": [...]} → {"code": "0", "records": {id: {"status", "partner_ref"} | null}}
  GET  /api/arb/v1/statistics?month=YYYY-MM → {"code": "0", "counts": null}   (a commission keeps no figures for us)
Control (loopback, bearer token): POST /sandbox/misbehave {"record_id", "faults"}, /sandbox/fail-next {"faults"},
/sandbox/forget {"record_id"}, /sandbox/entrust {"claim", "amount"}; GET /sandbox/stats.
"""

from typing import Any

from sandbox.arbitration.commission import CommissionCore
from sandbox.arbitration.config import FAULTS
from sandbox.court import CourtRefusal
from sandbox.institution.server import LoopbackHandler, LoopbackServer
from sandbox.wire import wire_json

BASE = "/api/arb/v1"


class CommissionServer(LoopbackServer[CommissionCore]):
    name = "sandbox-commission"

    def __init__(self, core: CommissionCore, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        super().__init__(core, CommissionHandler, host, port, token)

    @property
    def api(self) -> str:
        """The commission's base URL, as the partner's `base_url` names it."""
        return self.url + BASE


class CommissionHandler(LoopbackHandler):
    server: CommissionServer
    faults = FAULTS
    ref_field = "record_id"
    bad_request = "malformed"

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any]:
        core, path = self.server.core, url.path
        if path.startswith("/sandbox/"):
            return self.control(method, path, body)
        headers = dict(self.headers.items())
        target = f"{method} {self.server.url}{self.path}"  # signed for this commission, not another
        if method == "POST" and path == f"{BASE}/messages":
            return core.receive(body, headers, target)
        if method == "GET" and path == f"{BASE}/feed":
            return self.read_feed(url, target)
        if method == "POST" and path == f"{BASE}/status":
            return {"code": "0", "records": core.status(self.status_ids(body, target, "record_ids"))}
        if method == "GET" and path == f"{BASE}/statistics":
            core.verify_request(b"", headers, target)
            month = self.checked_month(url.query.partition("month=")[2][:7])
            return {"code": "0", "month": month, "counts": core.statistics(month)}
        raise CourtRefusal(404, "E404", f"no route {method} {path}")

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        # Every answer of the commission's API is signed over its exact bytes, receipts above all (partners.md §6)
        signed = headers or {}
        if not self.path.startswith("/sandbox/"):
            signed = {**signed, **self.server.core.sign_answer(wire_json(doc))}
        super().reply(status, doc, signed)

    def control_post(self, path: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if path == "/sandbox/entrust":  # the reverse flow: a case entrusted to the centre for mediation
            return {"caseNo": self.server.core.entrust(str(args["claim"]), str(args["amount"]))}
        return super().control_post(path, args)
