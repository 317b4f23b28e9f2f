"""The sandbox traffic platform's HTTP server on loopback: the platform API the adapter's partner connector calls
(traffic-platform wire, every request signed by the centre, every answer signed by the platform), and a small
control API. Transport faults, latency and refusals are the desk server's (sandbox/institution/server.py).

  POST /api/traffic/v1/messages         the centre's message → receipt {"code": "0", "msgId", "result":
                                        "accepted" | "duplicate", "serialNo"}; refused: 4xx {"code": "rejected",
                                        "message"} (400 bad message, 401 signature, 404 unknown case, 409 another
                                        record's case, 422 a message the platform takes not from a centre)
  GET  /api/traffic/v1/feed?cursor=&limit= → {"code": "0", "items": [{"seq", "body", "headers"}], "next_cursor"}
  POST /api/traffic/v1/cases/status     {"bizNos": [...]} → {"code": "0", "cases": {bizNo: {"status", "serialNo"}
                                        | null}}
  GET  /api/traffic/v1/statistics?month=YYYY-MM → {"code": "0", "month", "counts": {status: n}}
Control (loopback, bearer token): POST /sandbox/offer {"count", "faults"}, POST /sandbox/misbehave {"serialNo",
"faults"}, POST /sandbox/fail-next {"faults"}, POST /sandbox/forget {"bizNo"} (drift: the latest centre message
about it is lost), GET /sandbox/stats.
"""

import json
import re
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


class TrafficHandler(DeskHandler):
    server: TrafficServer

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
                month = query.get("month", "")
                if not re.fullmatch(r"20[0-9]{2}-(0[1-9]|1[0-2])", month):
                    raise CourtRefusal(400, "rejected", "month must be YYYY-MM")
                return {"code": "0", "month": month, "counts": core.statistics(month)}
            try:
                cursor, limit = int(query.get("cursor") or 0), int(query.get("limit") or 100)
            except ValueError:
                raise CourtRefusal(400, "rejected", "cursor and limit must be integers") from None
            return core.feed(cursor, limit)
        if method == "POST" and path == f"{BASE}/cases/status":
            core.verify_request(body, headers, target)
            try:
                ids = [str(i) for i in json.loads(body)["bizNos"]][:1000]
            except (ValueError, KeyError, TypeError):
                raise CourtRefusal(400, "rejected", 'expected {"bizNos": [...]}') from None
            return {"code": "0", "cases": core.status(ids)}
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
                return {"forgotten": core.forget_last(str(args["bizNo"]))}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CourtRefusal(400, "E400", f"bad control request: {type(exc).__name__}") from None
        raise CourtRefusal(404, "E404", f"no control route {method} {path}")

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        # Every answer of the platform is signed over its exact bytes, receipts included (partners.md §6)
        signed = {**(headers or {}), **self.server.core.sign_answer(wire_json(doc))}
        super().reply(status, doc, signed)
