"""The sandbox traffic platform's HTTP server on loopback: the generic partner REST vocabulary
(connectors/partner_rest.py) under the platform's base path, its messages in the traffic-platform wire
(mappings/traffic_platform.py), every request signed by the centre, every answer signed by the platform, and a
small control API. Transport faults, latency and refusals are the desk server's (sandbox/institution/server.py).

  POST /api/traffic/v1/messages          the centre's message → receipt {"code": "0", "message_id", "duplicate",
                                         "result": "accepted" | "duplicate", "partner_ref": serialNo}; refused:
                                         4xx {"code", "message"} (400 bad message, 401 signature, 404 unknown case,
                                         409 a case in another state or another record's, 422 refused)
  GET  /api/traffic/v1/feed?cursor=&limit= → {"code": "0", "items": [{"seq", "body", "headers"}], "next_cursor"}
  POST /api/traffic/v1/status            {"record_ids": [...]} → {"code": "0", "records": {id: {"status",
                                         "partner_ref"} | null}}
  GET  /api/traffic/v1/statistics?month=YYYY-MM → {"code": "0", "month", "counts": {status: n} | null}
Control (loopback, bearer token): POST /sandbox/offer {"count", "faults"}, POST /sandbox/misbehave {"serialNo",
"faults"}, POST /sandbox/fail-next {"faults"}, POST /sandbox/forget {"record_id"} (drift: the latest centre message
about it is lost), GET /sandbox/stats.
"""

import json
from typing import Any
from urllib.parse import parse_qs

from sandbox.court import CourtRefusal
from sandbox.institution.server import DeskHandler, DeskServer
from sandbox.traffic.config import FAULTS
from sandbox.traffic.platform import TrafficCore
from sandbox.wire import wire_json

BASE = "/api/traffic/v1"


class TrafficServer(DeskServer):
    core: TrafficCore  # type: ignore[assignment]

    def __init__(self, core: TrafficCore, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        super().__init__(core, host, port, token)  # type: ignore[arg-type]
        self.RequestHandlerClass = TrafficHandler

    @property
    def api(self) -> str:
        """The platform's base URL, as a partner's `base_url` names it."""
        return self.url + BASE


class TrafficHandler(DeskHandler):
    server: TrafficServer
    bad_request = "rejected"

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any]:
        core, path = self.server.core, url.path
        if path.startswith("/sandbox/"):
            return self.control(method, path, body)
        headers = dict(self.headers.items())
        target = f"{method} {self.server.url}{self.path}"  # signed for this platform, not another
        if method == "POST" and path == f"{BASE}/messages":
            return core.receive(body, headers, target)
        if method == "GET" and path in (f"{BASE}/feed", f"{BASE}/statistics"):
            core.verify_request(b"", headers, target)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if path.endswith("/statistics"):
                month = self.checked_month(query.get("month", ""))
                return {"code": "0", "month": month, "counts": core.statistics(month)}
            try:
                cursor, limit = int(query.get("cursor") or 0), int(query.get("limit") or 100)
            except ValueError:
                raise CourtRefusal(400, "rejected", "cursor and limit must be integers") from None
            return core.feed(cursor, limit)
        if method == "POST" and path == f"{BASE}/status":
            return {"code": "0", "records": core.status(self.status_ids(body, target, "record_ids"))}
        raise CourtRefusal(404, "E404", f"no route {method} {path}")

    def control(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        self.authorise_control()
        core = self.server.core
        if method == "GET" and path == "/sandbox/stats":
            return core.stats()
        try:
            args = json.loads(body or b"{}")
            faults = [str(f) for f in args.get("faults", [])]
            if path != "/sandbox/fail-next" and not set(faults) <= set(FAULTS):
                raise CourtRefusal(400, "E400", f"faults must be among {', '.join(FAULTS)}")
            if method == "POST" and path == "/sandbox/offer":
                return {"serialNos": core.offer(int(args.get("count", 1)), faults=tuple(faults))}
            if method == "POST" and path == "/sandbox/misbehave":
                core.misbehave(str(args["serialNo"]), *faults)
                return {"serialNo": args["serialNo"], "faults": faults}
            if method == "POST" and path == "/sandbox/fail-next":
                core.fail_next(*faults)
                return {"failing": faults}
            if method == "POST" and path == "/sandbox/forget":
                return {"forgotten": core.forget_last(str(args["record_id"]))}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CourtRefusal(400, "E400", f"bad control request: {type(exc).__name__}") from None
        raise CourtRefusal(404, "E404", f"no control route {method} {path}")

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        # Every answer of the platform is signed over its exact bytes, receipts included (partners.md §6)
        signed = {**(headers or {}), **self.server.core.sign_answer(wire_json(doc))}
        super().reply(status, doc, signed)
