"""What every profile shares: the signer/verifier contracts, key entries, freshness and replay checks."""

import base64
import binascii
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from adapter.clock import china_text
from adapter.signing.errors import SignatureInvalid

DEFAULT_WINDOW = timedelta(seconds=300)


@dataclass(frozen=True)
class Verified:
    key_id: str
    message_id: str | None  # the signed message id or nonce, when the profile signs one
    issued_at: datetime | None  # the signed timestamp, when the profile signs one


@dataclass(frozen=True)
class PublicKeyEntry:
    """A counterpart's key as the verifier knows it; a revoked key is kept so its use is named, not unknown."""

    key_id: str
    key: Any = field(repr=False)  # a public key, or bytes for HMAC secrets — never in a repr or a traceback
    algorithm: str = ""
    revoked: bool = False


class MessageSigner(Protocol):
    profile: str

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        """Headers that carry the signature over `body` (and `target`, "METHOD /path?query", where signed)."""
        ...


class MessageVerifier(Protocol):
    profile: str

    def verify(self, body: bytes, headers: Mapping[str, str], *, target: str = "") -> Verified:
        """Who signed `body`, or SignatureInvalid. Freshness and replay are checked by `check()`."""
        ...


class ReplayGuard(Protocol):
    def first_sighting(self, scope: str, message_id: str, *, now: datetime, until: datetime) -> bool:
        """Record `message_id` in `scope` until `until`; False if it was already recorded (a replay)."""
        ...


class MemoryReplayGuard:
    """An in-process guard (the sandbox, tests); the adapter persists its guard in the database."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()
        self._pruned: datetime | None = None

    def first_sighting(self, scope: str, message_id: str, *, now: datetime, until: datetime) -> bool:
        with self._lock:
            # Prune expired ids at most once a second: a sweep on every call would cost O(n) per request.
            if self._pruned is None or now - self._pruned >= timedelta(seconds=1):
                self._seen = {k: v for k, v in self._seen.items() if v > now}
                self._pruned = now
            expiry = self._seen.get((scope, message_id))
            if expiry is not None and expiry > now:
                return False
            self._seen[(scope, message_id)] = until
            return True


def check(
    verifier: MessageVerifier,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
    target: str = "",
    window: timedelta = DEFAULT_WINDOW,
    replay: ReplayGuard | None = None,
    scope: str = "",
) -> Verified:
    """Full inbound check for a request: signature, then timestamp within ±window, then message id unseen."""
    verified = verifier.verify(body, headers, target=target)
    if verified.issued_at is None:
        raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{verifier.profile}: no signed timestamp")
    if verified.issued_at <= now - window:  # at exactly the edge the replay guard may already have forgotten it
        raise SignatureInvalid(SignatureInvalid.STALE, f"signed at {china_text(verified.issued_at)}, too old")
    if verified.issued_at > now + window:
        raise SignatureInvalid(SignatureInvalid.FUTURE, f"signed at {china_text(verified.issued_at)}, ahead")
    if replay is not None:
        if not verified.message_id:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"{verifier.profile}: no signed message id or nonce")
        if not replay.first_sighting(scope, verified.message_id, now=now, until=verified.issued_at + window):
            raise SignatureInvalid(SignatureInvalid.REPLAYED, f"message {verified.message_id!r} was seen before")
    return verified


def header(headers: Mapping[str, str], name: str) -> str:
    """A required signature header, looked up without regard to case (HTTP header names are case-insensitive)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get(name.lower())
    if not value:
        raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"header {name} is missing")
    return value


_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64decode(value: str, what: str, *, urlsafe: bool = False) -> bytes:
    """Strict base64 (or unpadded base64url): one spelling per byte string, so a signature cannot be re-spelt
    (stray characters, the other alphabet, non-zero padding bits) and still verify."""
    pattern = _B64URL if urlsafe else _B64
    try:
        if not pattern.fullmatch(value):
            raise ValueError
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) if urlsafe else base64.b64decode(value)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} is not valid base64") from None
    canonical = b64url(raw) if urlsafe else base64.b64encode(raw).decode("ascii")
    if canonical != value:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} is not canonical base64")
    return raw


def hexdecode(value: str, what: str, length: int | None = None) -> bytes:
    """Lower-case hex only, of the expected length when known."""
    if not re.fullmatch(r"(?:[0-9a-f]{2})+", value) or (length is not None and len(value) != 2 * length):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} is not lower-case hex of the right length")
    return bytes.fromhex(value)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def lookup(keys: Mapping[str, PublicKeyEntry], key_id: str) -> PublicKeyEntry:
    entry = keys.get(key_id)
    if entry is None:
        raise SignatureInvalid(SignatureInvalid.UNKNOWN_KEY, f"key id {key_id!r} is not configured")
    if entry.revoked:
        raise SignatureInvalid(SignatureInvalid.REVOKED_KEY, f"key id {key_id!r} is revoked")
    return entry
