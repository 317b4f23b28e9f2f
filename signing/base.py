"""What every profile shares: the signer/verifier contracts, key entries, freshness and replay checks."""

import base64
import binascii
import heapq
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from schemas.clock import china_text
from signing.errors import SignatureInvalid

DEFAULT_WINDOW = timedelta(seconds=300)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_SECOND = (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - _EPOCH) // timedelta(seconds=1)
_ASCII_DIGITS = re.compile(r"[0-9]+")


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
    """An in-process guard (the sandbox, tests); the adapter persists its guard in the database.

    Expired ids are forgotten in expiry order from a heap, each call those its time has passed: rebuilding the
    whole map once a second (as before) cost 2.5 ms at 20,000 live ids and 60 ms at 270,000 — ten minutes of a
    sandbox court at 450 messages a second, paid by whichever request came next.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], datetime] = {}
        self._expiries: list[tuple[datetime, tuple[str, str]]] = []  # a heap: (until, key), soonest first
        self._lock = threading.Lock()

    def first_sighting(self, scope: str, message_id: str, *, now: datetime, until: datetime) -> bool:
        key = (scope, message_id)
        with self._lock:
            expiries, seen = self._expiries, self._seen
            while expiries and expiries[0][0] <= now:
                expired, old = heapq.heappop(expiries)
                if seen.get(old) == expired:  # not sighted again since (then a later expiry is on the heap)
                    del seen[old]
            expiry = seen.get(key)
            if expiry is not None and expiry > now:
                return False
            seen[key] = until
            heapq.heappush(expiries, (until, key))
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


def signed_time(value: object, what: str, *, millis: bool = False) -> datetime:
    """A signed Unix time (seconds, or milliseconds where the profile says so) as an aware UTC datetime.

    A header carries ASCII digits only (str.isdigit() would also pass "²" or other scripts' digits, which int()
    refuses or reads); a JWS `iat` is a JSON number, whole or not (RFC 7519 §2 NumericDate). Anything else is
    SignatureInvalid — never ValueError or OverflowError, which would turn a bad request into a server error:
    `malformed_signature` for what is no time at all (text, negative, NaN, infinity), `future` for a time beyond any
    calendar (the usual cause: milliseconds where seconds are agreed). A plausible time is judged against the
    clock by `check()` (requests) and the feed's limits (adapter/inbox/ingest.py)."""
    unit = "milliseconds" if millis else "seconds"
    number: int | float
    if isinstance(value, str):
        if not _ASCII_DIGITS.fullmatch(value):
            raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} {value[:40]!r} is not Unix {unit}")
        number = int(value) if len(value) <= 20 else math.inf  # never int() of thousands of digits
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        number = value  # (Python's json reads NaN and Infinity; neither is a time)
    else:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} is a {type(value).__name__}, not Unix {unit}")
    if number < 0:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} {str(value)[:40]} is negative")
    if number > _LAST_SECOND * (1000 if millis else 1):
        hint = "microseconds where milliseconds are agreed?" if millis else "milliseconds where seconds are agreed?"
        raise SignatureInvalid(SignatureInvalid.FUTURE, f"{what} {str(value)[:40]} is beyond the year 9999 ({hint})")
    return _EPOCH + timedelta(milliseconds=number) if millis else _EPOCH + timedelta(seconds=number)


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


HexCase = Literal["lower", "upper"]


def hexencode(data: bytes, case: HexCase = "lower") -> str:
    """Hex as the counterpart agreed to read it: Java and .NET peers often write upper case (`hex_case`)."""
    text = data.hex()
    return text.upper() if case == "upper" else text


_HEX = {"lower": re.compile(r"(?:[0-9a-f]{2})+"), "upper": re.compile(r"(?:[0-9A-F]{2})+")}


def hexdecode(value: str, what: str, length: int | None = None, case: HexCase = "lower") -> bytes:
    """Hex in the agreed case only, of the expected length when known: one spelling per signature, so nothing
    keyed on a signature's text can be passed by respelling it (as for base64 and JWS)."""
    if not _HEX[case].fullmatch(value) or (length is not None and len(value) != 2 * length):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"{what} is not {case}-case hex of the right length")
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
