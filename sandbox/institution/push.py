"""A pushing desk: each item the sandbox institution publishes is POSTed to the centre instead of waiting to be
read — `POST {centre}/api/desks/v1/{platform}/messages`, the body the item's exact bytes as its feed carries them,
the desk's signature in the headers (signed afresh at each attempt, so its time is inside the centre's window),
plus the desk's API key as a bearer token where one is given.

An answer 2xx is done; 4xx other than 401/408/429 is done too (recorded as refused: resending the same bytes
cannot change the answer); no answer, 5xx, 401, 408 or 429 is tried again on a WeChat-Pay-like ladder (15 s,
15 s, 30 s, 3 min, 10 min, 20 min, 30 min ×3, 1 h, 3 h ×3, 6 h ×2: about a day in all [P57b], partners.md §6)
compressed by the desk's time scale; after the last rung the item is given up (still on the feed for a pull).
"""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

log = logging.getLogger("docking.sandbox.desk_push")

LADDER = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)  # seconds
DAY = 86400.0


class PushItem(Protocol):
    """One published item: its feed position, exact bytes (as text) and message id."""

    @property
    def seq(self) -> int: ...
    @property
    def body(self) -> str: ...
    @property
    def message_id(self) -> str: ...


class PushSource(Protocol):
    """The sandbox partner that publishes (a desk, a commission): its items, its pace, its signature."""

    @property
    def items(self) -> Any: ...  # a sequence of PushItem
    @property
    def config(self) -> Any: ...  # seconds_per_day

    def tick(self) -> int: ...
    def monotonic(self) -> float: ...
    def sign_item(self, item: Any) -> dict[str, str]: ...


@dataclass
class Delivery:
    item: PushItem
    attempts: int = 0
    due: float = 0.0  # the desk's monotonic time of the next attempt
    answer: int | None = None  # the HTTP status that ended it
    given_up: bool = False


@dataclass
class DeskPusher:
    """Pushes `core`'s feed to the centre at `url` for platform `platform`."""

    core: PushSource
    url: str
    platform: str
    api_key: str | None = None
    timeout: float = 10.0
    deliveries: dict[int, Delivery] = field(default_factory=dict)  # seq → its delivery
    answers: list[dict[str, Any]] = field(default_factory=list)  # every answer, newest last
    _session: requests.Session = field(default_factory=requests.Session)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def endpoint(self) -> str:
        return f"{self.url.rstrip('/')}/api/desks/v1/{self.platform}/messages"

    def rung(self, attempts: int) -> float:
        """Real seconds (the ladder compressed by the desk's scale) before the next attempt; inf once spent."""
        if attempts > len(LADDER):
            return float("inf")
        return LADDER[attempts - 1] * self.core.config.seconds_per_day / DAY

    def push_once(self) -> int:
        """One round: publish what is due, push every item whose attempt is due; returns how many were answered."""
        self.core.tick()
        now = self.core.monotonic()
        for item in list(self.core.items):
            self.deliveries.setdefault(item.seq, Delivery(item, due=now))
        done = 0
        for delivery in sorted(self.deliveries.values(), key=lambda d: d.item.seq):
            if delivery.answer is not None or delivery.given_up or delivery.due > now:
                continue
            delivery.attempts += 1
            status = self._post(delivery.item)
            if status is not None and (200 <= status < 300 or (400 <= status < 500 and status not in (401, 408, 429))):
                delivery.answer = status
                done += 1
                continue
            wait = self.rung(delivery.attempts)
            if wait == float("inf"):
                delivery.given_up = True
                log.warning("push of %s given up after %d attempts", delivery.item.message_id, delivery.attempts)
            else:
                delivery.due = self.core.monotonic() + wait
        return done

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries.values() if d.answer is None and not d.given_up]

    def _post(self, item: PushItem) -> int | None:
        headers = {**self.core.sign_item(item), "Content-Type": "application/json; charset=utf-8"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            answer = self._session.post(self.endpoint, data=item.body.encode(), headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("push of %s: no answer (%s); trying again later", item.message_id, type(exc).__name__)
            return None
        try:
            doc: dict[str, Any] = answer.json() if answer.content else {}
        except ValueError:
            doc = {}
        self.answers.append({"seq": item.seq, "message_id": item.message_id, "status": answer.status_code, **doc})
        return answer.status_code

    def run(self, every: float = 0.2) -> None:
        while not self._stop.wait(every):
            try:
                self.push_once()
            except Exception:  # a sandbox loop: said, and tried again at the next round
                log.exception("desk push round failed")

    def start(self, every: float = 0.2) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(every,), name="push-desk", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
