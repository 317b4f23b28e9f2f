"""What the HTTP connectors share: bounded reads, Retry-After, and the one translation of decoding failures."""

import re
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError

from connectors.port import PayloadError, RawInbound
from mappings.codes import MalformedPayload
from reference.errors import UnknownCode
from schemas.complaint import ComplaintEnvelope
from schemas.envelope import Envelope
from schemas.partner import PartnerEnvelope
from schemas.validation import summarize
from signing.base import MessageVerifier
from signing.errors import SignatureInvalid

MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # a feed page or receipt larger than this is refused, not parsed
Message = TypeVar("Message", Envelope, ComplaintEnvelope, PartnerEnvelope)  # a court's, a desk's or a partner's


def decoded(platform: str, decode: Callable[[str, bytes], Message], body: bytes) -> Message:
    """`decode(platform, body)`, its failures as PayloadError with a reason code for the quarantine."""
    try:
        return decode(platform, body)
    except UnknownCode as exc:
        raise PayloadError(platform, "unknown_code", str(exc)) from exc
    except MalformedPayload as exc:
        raise PayloadError(platform, "malformed", str(exc)) from exc
    except ValidationError as exc:
        raise PayloadError(platform, "invalid", summarize(exc)) from exc


def verified_decode(
    platform: str, verifier: MessageVerifier, item: RawInbound, decode: Callable[[str, bytes], Message]
) -> Message:
    """The canonical message in a partner's item: its signature over the exact bytes verified with the partner's
    `verifier`, the bytes decoded (`decoded`), and the signed message id bound to the body's — each failure a
    PayloadError (reason: the signature's, or malformed / invalid / unknown_code)."""
    try:
        signed = verifier.verify(item.body, item.headers)
    except SignatureInvalid as exc:
        raise PayloadError(platform, exc.reason, exc.detail) from exc
    envelope = decoded(platform, decode, item.body)
    if signed.message_id is not None and signed.message_id != envelope.message_id:
        raise PayloadError(
            platform,
            SignatureInvalid.MISMATCH,
            f"signed for message {signed.message_id!r}, but the body is message {envelope.message_id!r}",
        )
    return envelope


def retry_after(value: str | None, *, now: datetime) -> float | None:
    """Retry-After as seconds from `now` (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date in any of the three
    forms a recipient must accept (§5.6.7), read as UTC. A date in the past is 0; a malformed or negative value is
    None (the caller's own backoff applies), never an exception."""
    if now.tzinfo is None:
        raise ValueError("retry_after needs an aware `now`")
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # §1.2.2: a delta-seconds larger than can be represented is taken as 2^31 (also avoids int() on a huge string)
        return float(min(int(text[:11]), MAX_DELTA_SECONDS))
    when = http_date(text, now=now)
    return None if when is None else max(0.0, (when - now).total_seconds())


MAX_DELTA_SECONDS = 2**31
_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_LONG_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "|".join(_MONTHS)
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
# RFC 9110 §5.6.7, one pattern per form. The day name must be a day name, but is not checked against the date: a
# court whose clock library gets the weekday wrong still means the date it wrote.
_FORMS = (
    re.compile(rf"(?:{_DAYS}), (?P<day>\d\d) (?P<month>{_MONTH}) (?P<year>\d{{4}}) {_TIME} GMT"),  # IMF-fixdate
    re.compile(rf"(?:{_LONG_DAYS}), (?P<day>\d\d)-(?P<month>{_MONTH})-(?P<yy>\d\d) {_TIME} GMT"),  # RFC 850
    re.compile(rf"(?:{_DAYS}) (?P<month>{_MONTH}) (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})"),  # asctime
)


def http_date(text: str, *, now: datetime) -> datetime | None:
    """An HTTP-date (IMF-fixdate, obsolete RFC 850 or asctime; all GMT) as an aware UTC datetime, else None."""
    for form in _FORMS:
        match = form.fullmatch(text)
        if match is not None:
            break
    else:
        return None
    fields = match.groupdict()
    if fields.get("yy") is not None:
        # §5.6.7: a two-digit year more than 50 years ahead is the most recent past year with those digits
        year = now.year - now.year % 100 + int(fields["yy"])
        year -= 100 if year > now.year + 50 else 0
    else:
        year = int(fields["year"])
    second = int(fields["second"])
    try:
        # time-of-day allows a leap second (…:60); it is the instant after …:59
        when = datetime(
            year,
            _MONTHS.index(fields["month"]) + 1,
            int(fields["day"]),
            int(fields["hour"]),
            int(fields["minute"]),
            min(second, 59),
            tzinfo=UTC,
        )
    except ValueError:  # 30 February, hour 24, …
        return None
    return when + timedelta(seconds=1) if second == 60 else when


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The length an answer's Content-Length declares, read as urllib3 reads it: ASCII digits only, None otherwise
    (a '²' is a digit to str.isdigit, not to int)."""
    declared = headers.get("Content-Length", "")
    return int(declared) if declared.isascii() and declared.isdigit() else None


def read_capped(response: requests.Response, cap: int = MAX_RESPONSE_BYTES) -> bytes | None:
    """The body, or None if it is longer than `cap` bytes (checked before and while reading)."""
    declared = declared_length(response.headers)
    if declared is not None and declared > cap:
        response.close()
        return None
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > cap:
            response.close()
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def describe_failure(exc: requests.RequestException, url: str) -> tuple[str, str]:
    """(cause, text) for a request that got no HTTP answer: which host:port, and whether the connection was
    refused, timed out or dropped, the name did not resolve, or the court's TLS certificate did not verify — the
    difference between "wait" and "fix the configuration" (connectors.port.LASTING_CAUSES)."""
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    chain = list(_causes(exc))
    verify = next((c for c in chain if isinstance(c, ssl.SSLCertVerificationError)), None)
    if verify is not None:
        return "tls", f"TLS certificate of {where} does not verify: {verify.verify_message or verify.reason}"
    if isinstance(exc, requests.exceptions.SSLError):
        tls = next((c for c in chain if isinstance(c, ssl.SSLError)), None)
        return "tls", f"TLS handshake with {where} failed: {getattr(tls, 'reason', None) or type(exc).__name__}"
    resolve = next((c for c in chain if isinstance(c, socket.gaierror)), None)
    if resolve is not None:
        if resolve.errno == socket.EAI_AGAIN:
            return "dns_temporary", f"cannot resolve {parts.hostname} now (DNS: {resolve.strerror})"
        return "dns", f"cannot resolve {parts.hostname} (DNS: {resolve.strerror})"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "proxy", f"the proxy to {where} failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timeout", f"no connection to {where} within the timeout"
    if isinstance(exc, requests.Timeout):
        return "timeout", f"no answer from {where} within the timeout"
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return "refused", f"connection refused by {where}"
    if any(isinstance(c, ConnectionResetError | ConnectionAbortedError | BrokenPipeError) for c in chain) or any(
        "RemoteDisconnected" in type(c).__name__ or "ProtocolError" in type(c).__name__ for c in chain
    ):
        return "dropped", f"connection to {where} dropped before an answer"
    unreachable = next((c for c in chain if isinstance(c, OSError) and c.strerror), None)
    if unreachable is not None:
        return "unreachable", f"{where} unreachable: {unreachable.strerror}"
    return "connection", f"connection to {where} failed: {type(exc).__name__}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything under it: requests wraps urllib3, which wraps the socket error in `reason`."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += [a for a in current.args if isinstance(a, BaseException)]
        stack.extend(n for n in nested if isinstance(n, BaseException))
