"""The REST sandbox court: the platform API (what the adapter's odr-rest connector calls) under /api/v1, every
request signed by the centre, on the shared sandbox server (sandbox/server.py: control API, faults, latency).
"""

import json
from typing import Any
from urllib.parse import parse_qs, unquote

from sandbox.court import CourtRefusal
from sandbox.server import BaseCourtHandler, BaseSandboxServer, Raw


class RestHandler(BaseCourtHandler):
    """The platform's JSON API; anything else goes to the shared control API."""

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any] | Raw:
        core, path = self.server.core, url.path
        if path.startswith("/sandbox/"):
            return self.control(method, path, body)
        headers = dict(self.headers.items())
        target = f"{method} {self.server.url}{self.path}"  # the court checks the request was signed for itself
        if method == "GET" and path.startswith("/api/v1/feeds/"):
            core.verify_request(b"", headers, target)
            query = parse_qs(url.query)
            try:
                cursor, limit = int(query.get("cursor", ["0"])[0]), int(query.get("limit", ["100"])[0])
            except ValueError:
                raise CourtRefusal(400, "E400", "cursor and limit must be integers") from None
            return core.feed(path.rsplit("/", 1)[-1], cursor, limit)
        if method == "GET" and path == "/api/v1/codes":
            core.verify_request(b"", headers, target)
            return core.code_lists()
        if method == "POST" and path == "/api/v1/messages":
            return core.receive(body, headers, target)
        if method == "GET" and path == "/api/v1/cases":
            core.verify_request(b"", headers, target)
            query = parse_qs(url.query)
            try:
                limit = int(query.get("limit", ["500"])[0])
            except ValueError:
                raise CourtRefusal(400, "E400", "limit must be an integer") from None
            return core.list_cases(query.get("cursor", [""])[0], limit)
        if method == "GET" and path.startswith("/api/v1/cases/") and path.endswith("/messages"):
            core.verify_request(b"", headers, target)
            return core.case_messages(unquote(path.removeprefix("/api/v1/cases/").removesuffix("/messages")))
        if method == "POST" and path == "/api/v1/cases/status":
            core.verify_request(body, headers, target)
            try:
                ids = [str(i) for i in json.loads(body)["ajbs"]][:1000]
            except (ValueError, KeyError, TypeError):
                raise CourtRefusal(400, "E400", 'expected {"ajbs": [...]}') from None
            return {"code": "0", "cases": core.status(ids)}
        raise CourtRefusal(404, "E404", f"no route {method} {path}")


class SandboxServer(BaseSandboxServer):
    """The REST sandbox court's server."""

    handler = RestHandler
