"""A pushing court: the sandbox court's feed items POSTed to the adapter's push intake instead of waiting to be
read (`docking sandbox serve --push-to URL --push-key KEY`; the adapter's platform says mode = "push").

Each item goes out as the REST sandbox court publishes it — the same body, signed by the court's signer as a feed
item is, signed afresh at each attempt (a fresh time inside the adapter's window) — under the court's API key.
An item answered accepted, duplicate or rejected (a signed receipt, kept in the adapter's quarantine when
rejected) is done; no answer, a 5xx or a 429 is tried again at the next round, so a lost answer is retried and
answered `duplicate`. The court still receives our messages as before (its REST server is unchanged).
"""

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox.court import CourtCore

log = logging.getLogger("docking.sandbox.push")
FEEDS = ("dispatches", "decisions")


@dataclass
class PushCourt:
    """Pushes `core`'s feeds to `url` (the adapter's base URL) as the court holding `api_key` (its role names the
    platform; `platform` is for messages only)."""

    core: CourtCore
    url: str
    api_key: str
    platform: str = "court"
    timeout: float = 10.0
    cursors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FEEDS, 0))
    receipts: list[dict[str, Any]] = field(default_factory=list)  # every answer, newest last
    receipted: set[str] = field(default_factory=set)  # our messages the court has sent its receipt for
    _session: requests.Session = field(default_factory=requests.Session)
    _stop: threading.Event = field(default_factory=threading.Event)

    def endpoint(self, feed: str) -> str:
        return f"{self.url.rstrip('/')}/api/court/v1/{feed}"

    def push_once(self) -> int:
        """Push everything published since the last round; returns how many items were answered."""
        answered = 0
        for feed in FEEDS:  # then receipts of the centre's messages the court applied since
            while True:
                page = self.core.feed(feed, self.cursors[feed], 50)
                items = [i for i in page["items"] if i["seq"] > self.cursors[feed]]  # a redelivered item is skipped
                if not items:
                    break
                for item in items:
                    if not self.push(feed, item["body"]):
                        return answered  # no answer: the same item first at the next round
                    self.cursors[feed] = item["seq"]
                    answered += 1
        for message_id in sorted(set(self.core.applications) - self.receipted):
            if self.push_receipt(message_id) is None:
                break
            self.receipted.add(message_id)
            answered += 1
        return answered

    def push_receipt(self, message_id: str, result: str = "applied", **extra: str) -> dict[str, Any] | None:
        """The court's receipt of one of the centre's messages, signed as its items are."""
        receipt_id = f"RC-{uuid.uuid4().hex[:20]}"
        doc = {"receipt_id": receipt_id, "message_id": message_id, "result": result, **extra}
        return self._post("receipts", json.dumps(doc, ensure_ascii=False), receipt_id)

    def push(self, feed: str, body: str) -> dict[str, Any] | None:
        """POST one item; its receipt, or None if there was no answer worth keeping (try again later)."""
        return self._post(feed, body, str(json.loads(body).get("xxbh", "")))

    def _post(self, feed: str, body: str, message_id: str) -> dict[str, Any] | None:
        headers = {
            **self.core.sign_item(body, message_id),
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": "application/json",
        }
        try:
            answer = self._session.post(self.endpoint(feed), data=body.encode(), headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("push of %s to %s: no answer (%s); trying again later", message_id, feed, exc)
            return None
        if answer.status_code >= 500 or answer.status_code == 429:
            return None
        try:
            receipt: dict[str, Any] = answer.json()
        except ValueError:
            receipt = {"result": "rejected", "reason": f"HTTP {answer.status_code}", "message_id": message_id}
        receipt["status"] = answer.status_code
        self.receipts.append(receipt)
        return receipt

    def run(self, every: float = 1.0) -> None:
        """Push round after round until `stop()`."""
        while not self._stop.wait(every):
            try:
                self.push_once()
            except Exception:  # a sandbox loop: said, and tried again at the next round
                log.exception("push round failed")

    def start(self, every: float = 1.0) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(every,), name="push-court", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
