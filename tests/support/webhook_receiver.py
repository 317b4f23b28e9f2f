"""A centre's webhook receiver on loopback for the tests: verifies every call with the reference Standard Webhooks
package (`standardwebhooks`), dedupes by webhook-id as a receiver must, and can be told to fail."""

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


class Receiver:
    """`fail_rate`: the share of calls answered 500 (half of them after applying, as if the answer were lost)."""

    def __init__(self, secret: str, *, fail_rate: float = 0.0, seed: int = 7) -> None:
        self.webhook = Webhook(secret)
        self.fail_rate = fail_rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.applied: list[dict[str, Any]] = []  # each event once, in the order applied
        self.seen: Counter[str] = Counter()  # how often each id was applied (dedupe keeps it at 1)
        self.calls = 0
        self.failures = 0
        self.duplicates_received = 0
        self.unverified = 0
        self.url = ""

    @property
    def duplicates_applied(self) -> int:
        return sum(n - 1 for n in self.seen.values() if n > 1)

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            self.calls += 1
            try:
                self.webhook.verify(body, headers)
            except Exception:
                self.unverified += 1
                return 401
            roll = self.rng.random()
            if roll < self.fail_rate / 2:  # fails before applying
                self.failures += 1
                return 500
            event_id = headers["webhook-id"]
            if event_id in self.seen:
                self.duplicates_received += 1  # dropped by id: not applied again
            else:
                self.seen[event_id] += 1
                self.applied.append(json.loads(body))
            if roll < self.fail_rate:  # applied, but the answer is a 500 (a lost answer, as the sender sees it)
                self.failures += 1
                return 500
            return 204


@contextmanager
def receiving(secret: str, **options: Any) -> Iterator[Receiver]:
    receiver = Receiver(secret, **options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = receiver.handle(body, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
