"""What every sandbox server shares, whatever partner it plays (the courts, the complaint desk, the traffic platform,
the commission, the SPC form, the contract suite's generic partner): a threaded HTTP/1.1 server bound to loopback in
front of a core of any type, the bearer token of its control API, start/stop/url and `with`; and a request handler
that answers at once (no Nagle), quietly, with the control API's token and loopback check and the transport faults
a platform shows (503, 429 + Retry-After, 400, a hang-up). Each server's own module routes and answers in its
partner's form.
"""

import hmac
import ipaddress
import secrets
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

CoreT = TypeVar("CoreT")


class LoopbackHTTPServer(ThreadingHTTPServer, Generic[CoreT]):
    """A sandbox server on loopback (127.0.0.1, port 0 = any free one) around `core`, the simulated partner;
    `start` serves it on a daemon thread named `name`, `stop` (or leaving `with`) shuts it down and closes the socket.
    `tls` wraps the socket (HTTPS, e.g. a court demanding client certificates)."""

    daemon_threads = True
    name = "sandbox"  # the serving thread's name
    # The listen backlog. socketserver's 5 drops the SYNs of a client opening more connections at once (a worker
    # with 16 sends in flight opens 16), and each dropped one waits the kernel's 1 s retransmission: a platform's
    # front end (nginx: 511) takes them all.
    request_queue_size = 128

    def __init__(
        self,
        core: CoreT,
        handler: type[BaseHTTPRequestHandler],
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.core = core
        self.control_token = token or secrets.token_urlsafe(16)
        super().__init__((host, port), handler)
        self.tls = tls
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    def start(self) -> Self:
        # serve_forever checks for shutdown() once per poll interval: 0.05 s, not the default 0.5 s, so that stop()
        # returns at once rather than after up to half a second (each integration test stops a server)
        threading.Thread(target=self.serve_forever, args=(0.05,), name=self.name, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class LoopbackRequestHandler(BaseHTTPRequestHandler):
    """One request to a sandbox server: keep-alive, sent at once, not logged; `handle_request(method)` is the
    server's own. Gives the control API's check (`control_denial`), the transport faults (`inflict`) and `send_raw`."""

    server: LoopbackHTTPServer[Any]
    protocol_version = "HTTP/1.1"  # keep-alive, as a real platform's front end would
    # The faults answered 503 "injected <fault>"; whether "refuse" (a 400) hits reads only (a court: a send refused
    # with a 4xx goes dead by design, which is not what that fault is for) or every request.
    unavailable_faults: tuple[str, ...] = ("error",)
    refuse_reads_only = False

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; with Nagle on, each keep-alive answer waits ~40 ms for
        # the client's delayed ACK. Real platforms' front ends send at once, so the sandbox must too.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo draws its own progress
        pass

    def do_GET(self) -> None:
        self.handle_request("GET")

    def do_POST(self) -> None:
        self.handle_request("POST")

    def handle_request(self, method: str) -> None:
        raise NotImplementedError

    def control_denial(self) -> tuple[int, str] | None:
        """(HTTP status, words) refusing a control request without the bearer token or from off loopback; None
        when it may go on. Each server raises it in its own refusal form."""
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.server.control_token}".encode()):
            return 401, "sandbox control needs the bearer token printed at start-up"
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            return 403, "sandbox control answers loopback clients only"
        return None

    def inflict(self, fault: str) -> bool:
        """Fail the request as `fault` says (JSON {"code", "message"} answers via `reply`); True if nothing more
        should be done with it, False for a fault that is not the transport's."""
        if fault in self.unavailable_faults:
            self.reply(503, {"code": "E503", "message": f"injected {fault}"})
        elif fault == "throttle":
            self.reply(429, {"code": "E429", "message": "injected throttle"}, {"Retry-After": "1"})
        elif fault in ("timeout", "drop"):
            if fault == "timeout":
                time.sleep(self.server.core.config.timeout_seconds)
            self.hang_up()
        elif fault == "refuse" and (self.command == "GET" or not self.refuse_reads_only):
            self.reply(400, {"code": "E400", "message": "injected refusal"})
        else:
            return False
        return True

    def hang_up(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def reply(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def send_raw(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
