"""The credentials hold: while a court refuses our signature or credentials, that platform's traffic waits.

A refusal of who we are (connectors.port.CredentialsRefused: HTTP 401/403, a signed WS-Security fault) says
nothing about the message: every message would be refused alike. So none is attempted, counted or declared dead
for it. The first refusal holds the platform and raises one alert naming what we signed with and what to do;
delivery defers the platform's messages and polling skips it, but for one probe per interval (the breaker's
cool-down), whoever makes it; the first call the court accepts releases the hold (logged once) and traffic flows
again by itself — after the court is given our key, or after an operator goes back to one it trusts.

    free ──(refused)──▶ held ──(a probe is accepted)──▶ free
                        ▲  │
                        └──┘ a probe is refused again: no new alert

One hold per platform per process (like the breaker); other platforms are unaffected.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.masking import mask_text
from connectors.port import CredentialsRefused

log = logging.getLogger("docking.credentials")

# Words a court uses when the signed time, not the key, is what it refuses: then the host's clock is the fix.
CLOCK_WORDS = ("stale", "future", "expired", "clock", "timestamp")
# Words a court uses when the signed request line (method, URL) is what it refuses: the key may be trusted all
# along, and base_url (or a gateway that rewrites it) is the fix — re-publishing the key would change nothing.
REQUEST_WORDS = ("made for another request", "signed for another request", "different request", "request target")


@dataclass(frozen=True)
class Credential:
    """What we sign with, as an operator names it, and what to do when the court refuses it."""

    what: str  # e.g. "key centre-2026-07 (keyring /etc/docking/keys/guangzhou)"
    remedy: str  # e.g. "publish it to the court (…) or go back to the previous key: `docking keys activate …`"


REALERT_AFTER = timedelta(hours=1)


class CredentialHold:
    def __init__(
        self,
        platform: str = "",
        *,
        probe_every: timedelta = timedelta(seconds=30),
        credential: Callable[[datetime], Credential] | None = None,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.platform, self.probe_every = platform, probe_every
        self._credential, self._on_change = credential, on_change
        self._lock = threading.Lock()
        self._held_since: datetime | None = None
        self._alerted_at: datetime | None = None  # the last ERROR: a hold that flaps is not re-alerted every cycle
        self._next_probe: datetime | None = None
        self.reason = ""  # why the platform is held, for the outbox rows it defers

    @property
    def held(self) -> bool:
        return self._held_since is not None

    def allow(self, now: datetime) -> bool:
        """May a call go to the platform now? Always when free; when held, one probe per `probe_every`."""
        with self._lock:
            if self._next_probe is None:
                return True
            if now < self._next_probe:
                return False
            self._next_probe = now + self.probe_every  # this call is the probe; the next one waits its turn
            return True

    def wait(self, now: datetime) -> float:
        """Seconds until the next probe (0 when free): how long a held platform's message is deferred."""
        with self._lock:
            return 0.0 if self._next_probe is None else max(0.0, (self._next_probe - now).total_seconds())

    def refused(self, error: CredentialsRefused, now: datetime) -> None:
        """The court refused our credentials: hold the platform; the first refusal of a hold is the one alert."""
        with self._lock:
            first = self._held_since is None
            if first:
                self._held_since = now
            if self._next_probe is None or self._next_probe <= now:
                self._next_probe = now + self.probe_every
            self.reason = f"held: the court refuses our credentials ({error.code}: {error.said})"
        if not first:
            log.debug("platform %s still refuses our credentials: %s", error.platform, mask_text(error.said))
            return
        with self._lock:
            recent = self._alerted_at is not None and now - self._alerted_at < REALERT_AFTER
            if not recent:
                self._alerted_at = now
        if recent:  # released by one accepted call and refused again: the alert stands, said once an hour
            log.warning("platform %s refuses our credentials again (%s); still held", error.platform, error.code)
            self._notify("held")
            return
        self.platform = self.platform or error.platform
        credential = self._credential(now) if self._credential else None
        what = credential.what if credential else "our credentials"
        remedy = credential.remedy if credential else "fix the credentials this platform is configured with"
        said = error.said.lower()
        if any(word in said for word in CLOCK_WORDS):
            remedy += "; the court also names the signed time: check this host's clock (NTP)"
        trust = f"It does not trust {what}: {remedy}"
        if any(word in said for word in REQUEST_WORDS):
            trust = (
                "It says the signature was made for another request: the signature covers the method and the URL, "
                "so check that base_url (scheme, host, port, path) is the address the court itself sees — a gateway "
                f"or proxy that rewrites it breaks every signature. Only if it is right: it does not trust {what}: "
                f"{remedy}"
            )
        log.error(
            "platform %s: the court refuses our signature (%s: %s). %s. Delivery and polling to %s are held — nothing "
            "goes dead — with one probe every %gs; they resume by themselves once it accepts us.",
            self.platform,
            error.code,
            mask_text(error.said),
            trust,
            self.platform,
            self.probe_every.total_seconds(),
        )
        self._notify("held")

    def accepted(self, now: datetime) -> None:
        """The court authenticated a call: release the hold (said once)."""
        with self._lock:
            since = self._held_since
            if since is None:
                return
            self._held_since, self._next_probe, self.reason = None, None, ""
        log.warning(
            "platform %s accepts our signature again after %s: delivery and polling resume",
            self.platform,
            str(now - since).split(".")[0],
        )
        self._notify("released")

    def _notify(self, what: str) -> None:
        if self._on_change is not None:
            self._on_change(self.platform, what)
