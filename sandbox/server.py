"""What both sandbox transports (REST, SOAP) share: a threaded HTTP/1.1 server on loopback in front of a
CourtCore, and a request handler that limits bodies, injects latency and faults, answers like a platform, and
serves the sandbox control API.

Control API under /sandbox (loopback only, bearer token): dispatch new cases, inject raw feed items, stats,
trust another centre key (`{"key_id", "public_key": PEM}`, as a court is given our rotated key), and drift for
reconciliation: forget a case, alter its status, lose its last applied messages, restart its feeds behind the
adapter's cursor (reset-feed). Each transport subclasses BaseSandboxServer and BaseCourtHandler, overriding
`route` (and `refuse` for its own error form).
"""

import base64
import json
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sandbox.court import CourtCore, CourtRefusal
from sandbox.court.misconfig import misreported
from sandbox.loopback import LoopbackHTTPServer, LoopbackRequestHandler
from sandbox.wire import RawText, wire_json
from signing.base import PublicKeyEntry
from signing.keyfiles import KeyFileError, algorithm_of, public_key_from_pem

MAX_BODY = 10 * 1024 * 1024
MAX_DISPATCH = 10_000  # cases one control call may dispatch: a bench asks for more in chunks (bench/harness.py)


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON (the SOAP court's envelopes, its WSDL)."""

    body: bytes
    content_type: str
    status: int = 200


class BaseSandboxServer(LoopbackHTTPServer[CourtCore]):
    """A sandbox court's HTTP server on loopback; each transport's subclass names its request handler."""

    name = "sandbox-rest"
    handler: type["BaseCourtHandler"]  # the transport's request handler, set by the subclass

    def __init__(
        self,
        core: CourtCore,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(core, self.handler, host, port, token, tls)


class BaseCourtHandler(LoopbackRequestHandler):
    """One request to a sandbox court: body limits, latency and faults, then `route` (the transport's own), the
    shared control API, and answers written as a platform would (`reply`, `refuse`)."""

    server: BaseSandboxServer
    platform_prefix = "/api/"  # the platform's own API: where latency and faults are injected
    unavailable_faults = ("error", "outage")
    refuse_reads_only = True

    def handle_request(self, method: str) -> None:
        try:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise CourtRefusal(400, "E400", "Content-Length is not a number") from None
            if length < 0:
                raise CourtRefusal(400, "E400", "Content-Length is negative")
            if length > MAX_BODY:
                raise CourtRefusal(413, "E413", f"body of {length} bytes exceeds {MAX_BODY}")
            body = self.rfile.read(length) if length else b""
            platform_call = self.path.startswith(self.platform_prefix)
            if platform_call and self.server.core.config.latency_seconds:
                time.sleep(self.server.core.config.latency())  # a court that answers in tens of ms, give or take
            fault = self.server.core.draw_fault() if platform_call else None
            if fault and self.inflict(fault):
                return
            answer = self.route(method, urlsplit(self.path), body)
            if fault == "lost_answer":  # applied, but the answer never reaches the adapter: it must resend
                self.hang_up()
                return
            self.reply(200, answer)
        except CourtRefusal as refusal:
            self.server.core.rejected.append((refusal.code, refusal.message))
            if (
                self.path.startswith(self.platform_prefix)
                and "wrong-error-codes" in self.server.core.config.misconfigured
            ):
                refusal = misreported(refusal)  # misconfigured on purpose (sandbox/court/misconfig.py)
            self.refuse(refusal)
        except Exception as exc:  # the sandbox must answer like a platform, never drop the connection
            self.refuse(CourtRefusal(500, "E500", f"internal error: {type(exc).__name__}"))

    def refuse(self, refusal: CourtRefusal) -> None:
        self.reply(refusal.status, {"code": refusal.code, "message": refusal.message})

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any] | Raw:
        """The transport's answer to a request (a JSON document, or Raw); the base knows only the control API."""
        if url.path.startswith("/sandbox/"):
            return self.control(method, url.path, body)
        raise CourtRefusal(404, "E404", f"no route {method} {url.path}")

    def control(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        denial = self.control_denial()
        if denial is not None:
            raise CourtRefusal(denial[0], f"E{denial[0]}", denial[1])
        core = self.server.core
        try:
            args = json.loads(body or b"{}")
            if method == "POST" and path == "/sandbox/dispatch":
                count = int(args.get("count", 1))
                if not 1 <= count <= MAX_DISPATCH:
                    raise CourtRefusal(400, "E400", f"count must be between 1 and {MAX_DISPATCH}")
                publish = args.get("publish", True) is not False
                phone = args.get("phone")  # any JSON value: courts send numbers as numbers, lists, text
                return {"dispatched": core.dispatch(count, args.get("flow"), publish=publish, phone=phone)}
            if method == "POST" and path == "/sandbox/inject":
                # "body": text as it is (a lone surrogate goes out as its \u escape); "body_base64": bytes written
                # as they are inside the page's JSON string, e.g. not UTF-8
                encoded = args.get("body_base64")
                text = args.get("body")
                if isinstance(encoded, str):
                    text = RawText.of(base64.b64decode(encoded, validate=True))
                if args.get("feed") not in ("dispatches", "decisions") or not isinstance(text, str):
                    raise CourtRefusal(
                        400,
                        "E400",
                        'expected {"feed": "dispatches"|"decisions", "body": "..." or "body_base64": "...", '
                        '"headers": {…}}',
                    )
                core.inject(args["feed"], text, args.get("headers"))
                return {"injected": True}
            if method == "POST" and path == "/sandbox/trust":
                key = public_key_from_pem(str(args["public_key"]).encode(), "public_key")
                core.trust(PublicKeyEntry(str(args["key_id"]), key, algorithm_of(key)))
                return {"trusted": args["key_id"]}
            if method == "POST" and path == "/sandbox/forget":
                core.forget(str(args["ajbs"]))
                return {"forgotten": args["ajbs"]}
            if method == "POST" and path == "/sandbox/alter":
                core.alter(str(args["ajbs"]), str(args["status"]))
                return {"altered": args["ajbs"], "status": args["status"]}
            if method == "POST" and path == "/sandbox/lose":
                return {"lost": core.lose(str(args["ajbs"]), int(args.get("count", 1)))}
            if method == "POST" and path == "/sandbox/reset-feed":
                answer = str(args.get("answer", "position"))
                core.reset_feed(answer)
                return {"reset": True, "answer": answer}
        except (ValueError, TypeError, AttributeError, KeyError, KeyFileError) as exc:  # a bad base64 is a ValueError
            raise CourtRefusal(400, "E400", f"bad control request: {type(exc).__name__}") from None
        if method == "GET" and path == "/sandbox/stats":
            return core.stats()
        raise CourtRefusal(404, "E404", f"no control route {method} {path}")

    def reply(self, status: int, doc: dict[str, Any] | Raw, headers: dict[str, str] | None = None) -> None:
        if isinstance(doc, Raw):
            status, payload, content_type = doc.status, doc.body, doc.content_type
        else:
            payload, content_type = wire_json(doc), "application/json; charset=utf-8"
        self.send_raw(status, payload, content_type, headers)
