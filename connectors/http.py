"""What the HTTP connectors share: bounded reads, Retry-After, and the one translation of decoding failures."""

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from pydantic import ValidationError

from connectors.port import PayloadError
from mappings.codes import MalformedPayload, UnknownCode
from schemas.envelope import Envelope
from schemas.validation import summarize

MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # a feed page or receipt larger than this is refused, not parsed


def decoded(platform: str, decode: Callable[[str, bytes], Envelope], body: bytes) -> Envelope:
    """`decode(platform, body)`, its failures as PayloadError with a reason code for the quarantine."""
    try:
        return decode(platform, body)
    except UnknownCode as exc:
        raise PayloadError(platform, "unknown_code", str(exc)) from exc
    except MalformedPayload as exc:
        raise PayloadError(platform, "malformed", str(exc)) from exc
    except ValidationError as exc:
        raise PayloadError(platform, "invalid", summarize(exc)) from exc


def retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def read_capped(response: requests.Response) -> bytes | None:
    """The body, or None if it is longer than MAX_RESPONSE_BYTES (checked before and while reading)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        response.close()
        return None
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            response.close()
            return None
        chunks.append(chunk)
    return b"".join(chunks)
