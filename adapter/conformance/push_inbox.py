"""A throw-away listener for a pushing court (partners.md §6, mode = "push"): it takes what the court POSTs to
/api/court/v1/{dispatches,decisions,receipts} and keeps it in memory for the conformance checks — never the
adapter's push intake, never its database. It answers every item `accepted`, so the court moves on; whether the
court's signatures hold is the checks' to judge, from the bytes kept here exactly as they arrived."""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FEEDS = ("dispatches", "decisions", "receipts")
MAX_BODY = 1024 * 1024  # the adapter's default push_max_bytes


@dataclass(frozen=True)
class Pushed:
    feed: str  # dispatches, decisions or receipts
    body: bytes
    headers: dict[str, str]


class PushInbox:
    """Listens on HOST:PORT (loopback unless told otherwise) until `stop()`; OSError if it cannot bind."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        inbox = self
        self._lock = threading.Lock()
        self._items: list[Pushed] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                feed = self.path.split("?")[0].removeprefix("/api/court/v1/")
                length = int(self.headers.get("Content-Length") or 0)
                if feed not in FEEDS or not 0 <= length <= MAX_BODY:
                    self._answer(404 if feed not in FEEDS else 413, {"result": "rejected", "reason": "not taken"})
                    return
                body = self.rfile.read(length)
                inbox.keep(Pushed(feed, body, dict(self.headers.items())))
                self._answer(200, {"result": "accepted"})

            def _answer(self, status: int, doc: dict[str, str]) -> None:
                payload = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:  # quiet: the report says what came
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="conformance-push", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "PushInbox":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def keep(self, item: Pushed) -> None:
        with self._lock:
            self._items.append(item)

    def items(self, feed: str | None = None) -> list[Pushed]:
        with self._lock:
            return [i for i in self._items if feed is None or i.feed == feed]

    def wait_for(self, found: Callable[[list[Pushed]], bool], seconds: float) -> bool:
        """Wait up to `seconds` until `found(items so far)`; whether it was."""
        deadline = time.monotonic() + seconds
        while not found(self.items()):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True
