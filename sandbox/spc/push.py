"""The sandbox SPC platform's callbacks: each roster listing row (a certification, refusal, retirement or
registration) POSTed to the centre's callback URL as the exact bytes the listing carries, signed with
`X-Spc-Signature` = hex HMAC-SHA256 under the shared callback secret (connectors/spc_form.py checks it), signed
afresh under the platform's push profile where one is given (`signer`: e.g. hmac-appkey — appKey, timestamp, nonce
and signature headers, partners.md §6 — which the centre's push intake, adapter/partners/push.py, verifies with its
window and replay guard), plus the platform's API key as a bearer token (the centre scopes the push to its partner).

2xx is done, and so is any 4xx other than 401/408/429 (resending the same bytes cannot change the answer); no
answer, 5xx, 401, 408 or 429 is tried again at the next round, up to `attempts` times; a row given up is still in
the listing for a poll (partners.md §6).
"""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from connectors.spc_form import SIGNATURE, callback_signature
from sandbox.spc.platform import SpcCore
from signing.base import MessageSigner

log = logging.getLogger("docking.sandbox.spc_push")


@dataclass
class SpcCallbacks:
    core: SpcCore
    url: str  # the centre's callback endpoint, in full
    secret: str | None = None  # None: the platform's own callback key (config.callback_key)
    signer: MessageSigner | None = None  # the push profile's signer (signed at each attempt: a fresh time and nonce)
    api_key: str | None = None
    attempts: int = 5
    timeout: float = 10.0
    tried: dict[int, int] = field(default_factory=dict)  # seq → attempts so far
    done: dict[int, int] = field(default_factory=dict)  # seq → the HTTP status that ended it
    _session: requests.Session = field(default_factory=requests.Session)
    _stop: threading.Event = field(default_factory=threading.Event)

    def push_once(self) -> int:
        """One round: answer what is due, then post every row not yet done; returns how many were answered."""
        self.core.tick()
        answered = 0
        for row in list(self.core.rows):
            seq = int(row["seq"])
            if seq in self.done or self.tried.get(seq, 0) >= self.attempts:
                continue
            self.tried[seq] = self.tried.get(seq, 0) + 1
            status = self._post(row)
            if status is not None and (200 <= status < 300 or (400 <= status < 500 and status not in (401, 408, 429))):
                self.done[seq] = status
                answered += 1
        return answered

    def _post(self, row: dict[str, Any]) -> int | None:
        published = self.core.signed(row)
        body = published["body"].encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        secret = self.secret if self.secret is not None else self.core.config.callback_key
        if secret:
            headers[SIGNATURE] = callback_signature(secret, body)
        if self.signer is not None:
            headers.update(self.signer.sign(body, message_id=str(row["msgId"]), at=self.core.clock()))
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            return self._session.post(self.url, data=body, headers=headers, timeout=self.timeout).status_code
        except requests.RequestException as exc:
            log.warning("callback of row %s: no answer (%s); trying again later", row["seq"], type(exc).__name__)
            return None

    def run(self, every: float = 0.5) -> None:
        while not self._stop.wait(every):
            try:
                self.push_once()
            except Exception:  # a sandbox loop: said, and tried again at the next round
                log.exception("SPC callback round failed")

    def start(self, every: float = 0.5) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(every,), name="push-spc", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
