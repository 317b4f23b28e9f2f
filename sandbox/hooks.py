"""The simulated centre's webhook receiver: the adapter's centre events (adapter/events/), POSTed to 127.0.0.1 and
verified as the centre's own system would verify them.

Verification uses the reference `standardwebhooks` package (the test extra) — an independent implementation of
the profile, so the demo checks our signatures against someone else's reading of the spec. A machine without the
test extra falls back to our own verifier (signing/webhooks.py), and `verifier` says which one ran.

Answers: 204 for a verified event (also a repeat: receivers dedupe by the event id, as webhook-id promises), 400
for no body or one over 1 MiB, 401 for a bad, stale or missing signature or a signed body that is not an event.
Each new event is handed to `on_event`.
"""

import base64
import json
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from signing.base import PublicKeyEntry
from signing.webhooks import WebhookVerifier, parse_secret

log = logging.getLogger("docking.sandbox.hooks")
MAX_BODY = 1024 * 1024


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _verifier(secret: str) -> tuple[str, Callable[[bytes, dict[str, str]], None]]:
    """(name, verify) — verify raises on a bad signature, stale timestamp or missing header."""
    try:
        import standardwebhooks
    except ImportError:  # no test extra here: our own verifier (same profile, not an independent reading)
        ours = WebhookVerifier({"centre": PublicKeyEntry("centre", parse_secret(secret), "v1")})

        def verify_ours(body: bytes, headers: dict[str, str]) -> None:
            ours.verify(body, headers)

        return "signing.webhooks", verify_ours
    reference = standardwebhooks.Webhook(secret)

    def verify_reference(body: bytes, headers: dict[str, str]) -> None:
        reference.verify(body, headers)

    return "standardwebhooks", verify_reference


class WebhookReceiver:
    """A receiver on `host`, any free port: `url` to configure as [events] urls, `secret` as [events] secrets."""

    def __init__(self, on_event: Callable[[dict[str, Any]], None], host: str = "127.0.0.1") -> None:
        self.secret = new_secret()
        self.verifier, verify = _verifier(self.secret)
        self.counts: Counter[str] = Counter()  # received, duplicate, refused, by type
        self.seen: set[str] = set()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    self._answer(400)
                    return
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    verify(body, headers)
                    event = json.loads(body)
                    event_id = str(event["id"])
                except Exception as exc:  # the reference's WebhookVerificationError, our SignatureInvalid, not JSON
                    log.warning("webhook refused: %s", type(exc).__name__)
                    with lock:
                        receiver.counts["refused"] += 1
                    self._answer(401)
                    return
                with lock:
                    new = event_id not in receiver.seen
                    receiver.seen.add(event_id)
                    receiver.counts["received" if new else "duplicate"] += 1
                if new:
                    on_event(event)
                self._answer(204)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}/hooks/docking"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
