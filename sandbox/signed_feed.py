"""What the sandbox partners that keep a signed feed share (an institution's complaint desk, sandbox/institution/;
an arbitration commission, sandbox/arbitration/): the centre's requests verified (signature, freshness, replayed
nonces), scripted transport faults for the next requests, the feed of published items — each signed once, at its
first reading, and carried with the same bytes and headers every time — and the pace clock.

Thread-safe (one lock): the HTTP server and a pusher call in from many threads. Subclasses publish (`append`) and
say what is due (`tick`); `refusal` is the code a bad signature is refused with (the partner's own vocabulary).
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.court import CourtRefusal
from signing.base import MemoryReplayGuard, MessageSigner, MessageVerifier, check
from signing.errors import SignatureInvalid


@dataclass
class FeedItem:
    seq: int
    body: str
    message_id: str
    spoiled: bool  # bad_signature: signed over other bytes

    def page_entry(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return {"seq": self.seq, "body": self.body, "headers": dict(headers)}


class SignedFeed:
    refusal = "E401"  # the code a refused signature is answered with
    next_cursor = "next_cursor"  # the feed page's cursor field

    def __init__(
        self,
        config: Any,  # the partner's config: window_seconds, latency_seconds, timeout_seconds, …
        signer: MessageSigner,
        centre_verifier: MessageVerifier,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._signer = signer
        self._verifier = centre_verifier
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self.replay = MemoryReplayGuard()
        self.items: list[FeedItem] = []
        self._faults: deque[str] = deque()  # scripted transport faults for the next requests
        self.signature_failures: dict[str, int] = {}
        self.rejected: list[tuple[str, str]] = []
        self._signed: dict[int, dict[str, str]] = {}  # seq → the headers the feed carries for it

    def monotonic(self) -> float:
        """The partner's own clock for pacing (seconds; injectable, so tests can step it)."""
        return self._monotonic()

    def tick(self) -> int:
        """Publish whatever has come due; how many."""
        raise NotImplementedError

    def fail_next(self, *faults: str) -> None:
        """The next requests fail so: error (503), throttle (429), timeout, drop, refuse (400)."""
        with self._lock:
            self._faults.extend(faults)

    def draw_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None:
        try:
            check(
                self._verifier,
                body,
                headers,
                now=self._clock(),  # the partner's calendar: a test moving it moves the signatures' too
                target=target,
                window=timedelta(seconds=self.config.window_seconds),
                replay=self.replay,
                scope="centre",
            )
        except SignatureInvalid as exc:
            with self._lock:
                self.signature_failures[exc.reason] = self.signature_failures.get(exc.reason, 0) + 1
            raise CourtRefusal(401, self.refusal, f"signature refused ({exc.reason}): {exc.detail}") from None

    def append(self, body: str, message_id: str, *, spoiled: bool = False) -> FeedItem:
        with self._lock:
            item = FeedItem(len(self.items) + 1, body, message_id, spoiled)
            self.items.append(item)
            return item

    def sign_item(self, item: FeedItem) -> dict[str, str]:
        """The partner's signature headers for an item, signed now (a spoiled item: over other bytes)."""
        signed = item.body.encode() + (b" " if item.spoiled else b"")
        return dict(self._signer.sign(signed, message_id=item.message_id, at=self._clock()))

    def feed(self, cursor: int, limit: int) -> dict[str, Any]:
        with self._lock:
            self.tick()
            page = [i for i in self.items if i.seq > cursor][: max(1, min(limit, 500))]
            entries = [item.page_entry(self._headers(item)) for item in page]
            return {"items": entries, self.next_cursor: str(page[-1].seq if page else cursor)}

    def _headers(self, item: FeedItem) -> dict[str, str]:
        # Signed once, at first reading, and kept: the feed carries the same bytes and headers each time.
        cached = self._signed.get(item.seq)
        if cached is None:
            cached = self._signed[item.seq] = self.sign_item(item)
        return cached
