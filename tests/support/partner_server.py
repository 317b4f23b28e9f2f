"""A tiny partner on loopback speaking the generic REST wire (connectors/partner_rest.py) in canonical JSON: every
request's signature checked with the partner's verifier of the centre, state kept by a FakePartner (connectors/
fake_partner.py: the same behaviour as the in-memory profile), feed items signed by the partner's own signer. For
the partner contract suite's generic REST profile (tests/support/partner_profiles.py)."""

import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.fake_partner import FakePartner
from connectors.port import ConnectorError, RejectedError
from sandbox.loopback import LoopbackHTTPServer, LoopbackRequestHandler
from schemas.partner import PartnerEnvelope
from signing.base import MessageVerifier
from signing.errors import SignatureInvalid


class PartnerServer(LoopbackHTTPServer[FakePartner]):
    """Serving from construction (sandbox/loopback.py's lifecycle); `url` is the partner's base URL."""

    name = "test-partner"

    def __init__(self, fake: FakePartner, verifier: MessageVerifier) -> None:
        self.fake, self.verifier = fake, verifier
        self.lock = threading.Lock()
        super().__init__(fake, _Handler)
        self.start()

    @property
    def url(self) -> str:
        return super().url + "/api/partner/v1"


class _Handler(LoopbackRequestHandler):
    server: PartnerServer

    def handle_request(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        host, port = self.server.server_address[:2]
        try:
            self.server.verifier.verify(body, dict(self.headers), target=f"{method} http://{host!s}:{port}{self.path}")
        except SignatureInvalid as exc:
            return self.reply(401, {"code": "bad_signature", "message": exc.detail})
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            with self.server.lock:
                status, doc = self._route(method, url.path.removeprefix("/api/partner/v1"), query, body)
        except RejectedError as exc:
            status, doc = 422, {"code": exc.code, "message": exc.detail}
        except ConnectorError as exc:
            status, doc = 503, {"code": "unavailable", "message": exc.detail}
        self.reply(status, doc)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        fake = self.server.fake
        if (method, path) == ("POST", "/messages"):
            receipt = fake.send(PartnerEnvelope.model_validate_json(body))
            return 200, {"code": "0", "message_id": receipt.message_id, "duplicate": receipt.duplicate,
                         **({"partner_ref": receipt.partner_ref} if receipt.partner_ref else {})}  # fmt: skip
        if (method, path) == ("GET", "/feed"):
            page = fake.fetch(query.get("cursor", "0"), int(query.get("limit", "50")))
            items = [{"seq": i.position, "body": i.body.decode(), "headers": dict(i.headers)} for i in page.items]
            return 200, {"items": items, "next_cursor": page.next_cursor}
        if (method, path) == ("POST", "/status"):
            answer = fake.query_status(json.loads(body)["record_ids"])
            return 200, {"records": {k: None if v is None else vars(v) for k, v in answer.items()}}
        if (method, path) == ("GET", "/statistics"):
            return 200, {"counts": fake.statistics(query["month"])}
        return 404, {"code": "not_found", "message": f"no route {method} {path}"}

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, json.dumps(doc).encode(), "application/json; charset=utf-8", headers)
