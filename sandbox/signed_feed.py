"""The half every sandbox partner (an institution desk, the traffic platform) shares: a feed of items signed by the
partner, the centre's requests verified (signature, freshness, replayed nonces), scripted transport faults, and
injectable clocks. Thread-safe (one re-entrant lock the subclass uses too)."""

import secrets
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
    """`window_seconds`: how far a request's signed time may be from this partner's clock; `live`: a standalone
    partner, whose message ids carry a token of the run (a restarted one must not reuse the ids its last run
    published: the adapter's inbox holds them, and the same id with other bytes is a `conflict`)."""

    def __init__(
        self,
        signer: MessageSigner,
        centre_verifier: MessageVerifier,
        *,
        window_seconds: int,
        live: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signer = signer
        self._verifier = centre_verifier
        self._window = timedelta(seconds=window_seconds)
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self.replay = MemoryReplayGuard()
        self.items: list[FeedItem] = []
        self._faults: deque[str] = deque()  # scripted transport faults for the next requests
        self.signature_failures: dict[str, int] = {}
        self.rejected: list[tuple[str, str]] = []
        self._run = f"{secrets.token_hex(3).upper()}-" if live else ""
        self._signed: dict[int, dict[str, str]] = {}  # seq → the headers the feed carries for it

    def monotonic(self) -> float:
        """The partner's own clock for pacing (seconds; injectable, so tests can step it)."""
        return self._monotonic()

    def fail_next(self, *faults: str) -> None:
        """The next requests fail so: error (503), throttle (429), timeout, drop, refuse (400)."""
        with self._lock:
            self._faults.extend(faults)

    def draw_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None:
        """Signature, signed time within the window, nonce never seen: else 401 naming the reason."""
        try:
            check(
                self._verifier,
                body,
                headers,
                now=self._clock(),  # the partner's calendar: a test moving it moves the signatures' too
                target=target,
                window=self._window,
                replay=self.replay,
                scope="centre",
            )
        except SignatureInvalid as exc:
            with self._lock:
                self.signature_failures[exc.reason] = self.signature_failures.get(exc.reason, 0) + 1
            raise CourtRefusal(401, "E401", f"signature refused ({exc.reason}): {exc.detail}") from None

    def append(self, wire: bytes, message_id: str, *, spoiled: bool = False) -> FeedItem:
        """One message's exact bytes on the feed."""
        with self._lock:
            item = FeedItem(len(self.items) + 1, wire.decode("utf-8"), message_id, spoiled)
            self.items.append(item)
            return item

    def sign_item(self, item: FeedItem) -> dict[str, str]:
        """The partner's signature headers for an item, signed now (a spoiled item: over other bytes)."""
        signed = item.body.encode() + (b" " if item.spoiled else b"")
        return dict(self._signer.sign(signed, message_id=item.message_id, at=self._clock()))

    def tick(self) -> int:
        """Publish what is due (the subclass's script); how many."""
        return 0

    def restart_feed(self) -> None:
        """The partner restarts its feed (a migration, a restore): what it published is gone and its positions
        start again from 1 — a client's cursor past them then reads nothing (adapter/partners/feed_watch.py)."""
        with self._lock:
            self.items.clear()
            self._signed.clear()

    def feed(self, cursor: int, limit: int) -> dict[str, Any]:
        with self._lock:
            self.tick()
            page = [i for i in self.items if i.seq > cursor][: max(1, min(limit, 500))]
            entries = [item.page_entry(self._headers(item)) for item in page]
            return {"items": entries, "next_cursor": str(page[-1].seq if page else cursor)}

    def _headers(self, item: FeedItem) -> dict[str, str]:
        # Signed once, at first reading, and kept: the feed carries the same bytes and headers each time.
        cached = self._signed.get(item.seq)
        if cached is None:
            cached = self._signed[item.seq] = self.sign_item(item)
        return cached
