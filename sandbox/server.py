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
import hmac
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

from sandbox.court import CourtCore, CourtRefusal
from sandbox.wire import RawText, wire_json
from signing.base import PublicKeyEntry
from signing.keyfiles import KeyFileError, algorithm_of, public_key_from_pem

MAX_BODY = 10 * 1024 * 1024


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON (the SOAP court's envelopes, its WSDL)."""

    body: bytes
    content_type: str
    status: int = 200


class BaseSandboxServer(ThreadingHTTPServer):
    """A sandbox court's HTTP server on loopback; each transport's subclass names its request handler."""

    daemon_threads = True
    handler: type["BaseCourtHandler"]  # the transport's request handler, set by the subclass

    def __init__(
        self,
        core: CourtCore,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.core = core
        self.control_token = token or secrets.token_urlsafe(16)
        super().__init__((host, port), self.handler)
        self.tls = tls
        if tls is not None:  # HTTPS, e.g. with CERT_REQUIRED to play a court that demands client certificates
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    def start(self) -> Self:
        # serve_forever checks for shutdown() once per poll interval: 0.05 s, not the default 0.5 s, so that stop()
        # returns at once rather than after up to half a second (each integration test stops a court)
        threading.Thread(target=self.serve_forever, args=(0.05,), name="sandbox-rest", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class BaseCourtHandler(BaseHTTPRequestHandler):
    """One request to a sandbox court: body limits, latency and faults, then `route` (the transport's own), the
    shared control API, and answers written as a platform would (`reply`, `refuse`)."""

    server: BaseSandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as a real platform's front end would
    platform_prefix = "/api/"  # the platform's own API: where latency and faults are injected

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; with Nagle on, each keep-alive answer waits ~40 ms for
        # the client's delayed ACK. Real platforms' front ends send at once, so the sandbox must too.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo draws its own progress
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
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
                time.sleep(self.server.core.config.latency_seconds)
            fault = self.server.core.draw_fault() if platform_call else None
            if fault and self._inflict(fault, before=True):
                return
            answer = self.route(method, urlsplit(self.path), body)
            if fault == "lost_answer":  # applied, but the answer never reaches the adapter: it must resend
                self._hang_up()
                return
            self.reply(200, answer)
        except CourtRefusal as refusal:
            self.server.core.rejected.append((refusal.code, refusal.message))
            self.refuse(refusal)
        except Exception as exc:  # the sandbox must answer like a platform, never drop the connection
            self.refuse(CourtRefusal(500, "E500", f"internal error: {type(exc).__name__}"))

    def refuse(self, refusal: CourtRefusal) -> None:
        self.reply(refusal.status, {"code": refusal.code, "message": refusal.message})

    def _inflict(self, fault: str, *, before: bool) -> bool:
        """Fail the request as `fault` says; True if nothing more should be done with it."""
        if fault in ("error", "outage"):
            self.reply(503, {"code": "E503", "message": f"injected {fault}"})
        elif fault == "throttle":
            self.reply(429, {"code": "E429", "message": "injected throttle"}, {"Retry-After": "1"})
        elif fault == "timeout":
            time.sleep(self.server.core.config.timeout_seconds)
            self._hang_up()
        elif fault == "drop":
            self._hang_up()
        elif fault == "refuse" and self.command == "GET":
            # A 4xx to a read (a feed page, the case list): the court answers, so the platform is up. Only reads:
            # a send refused with a 4xx goes dead by design, which is not what this fault is for.
            self.reply(400, {"code": "E400", "message": "injected refusal"})
        else:
            return False
        return True

    def _hang_up(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any] | Raw:
        """The transport's answer to a request (a JSON document, or Raw); the base knows only the control API."""
        if url.path.startswith("/sandbox/"):
            return self.control(method, url.path, body)
        raise CourtRefusal(404, "E404", f"no route {method} {url.path}")

    def control(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.server.control_token}".encode()):
            raise CourtRefusal(401, "E401", "sandbox control needs the bearer token printed at start-up")
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            raise CourtRefusal(403, "E403", "sandbox control answers loopback clients only")
        core = self.server.core
        try:
            args = json.loads(body or b"{}")
            if method == "POST" and path == "/sandbox/dispatch":
                count = int(args.get("count", 1))
                if not 1 <= count <= 10000:
                    raise CourtRefusal(400, "E400", "count must be between 1 and 10000")
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
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
