"""One audit entry's canonical bytes and its hashes — pure functions, shared by the writer and the verifier.

    digest     = H(canonical(content))                      the entry's content (what happened)
    entry_hash = H(prev_hash ‖ canonical(entry fields))     prev_hash of entry 1 is 32 zero bytes

canonical() is JSON with sorted keys, no whitespace, UTF-8, times as UTC ISO-8601 with "Z": the same bytes on every
machine and database, so a chain written on SQLite verifies after a copy to PostgreSQL. H is SHA-256, or SM3
(GB/T 32905) under `[audit] hash = "sm3"`; each entry names its own.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

HASHES = ("sha256", "sm3")
GENESIS = "00" * 32  # the prev_hash of the first entry


def hasher(name: str) -> Callable[[bytes], bytes]:
    """The hash function named `name` (sha256 | sm3); ValueError naming it otherwise."""
    if name == "sha256":
        return lambda data: hashlib.sha256(data).digest()
    if name == "sm3":
        from signing.sm2 import sm3  # the sm2 extra (Tongsuo / OpenSSL with SM3)

        return sm3
    raise ValueError(f"audit hash {name!r} is not one of {', '.join(HASHES)}")


@lru_cache(maxsize=1024)  # a commit's entries share their time: written once (equal instants, the same text)
def _time(value: datetime) -> str:
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)  # stored times are UTC
    if utc.year < 1000:  # strftime writes such a year unpadded; isoformat pads it
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # the same text, a third of the time


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # Decimal, enums: their text


# Built once: json.dumps with options builds an encoder per call, a good part of an entry's cost.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def canonical(value: Any) -> bytes:
    """`value` as canonical JSON bytes (sorted keys, no whitespace, UTF-8)."""
    return _ENCODER.encode(value).encode()


def content_digest(alg: str, content: Mapping[str, Any]) -> str:
    """H(canonical(content)) as hex."""
    return hasher(alg)(canonical(content)).hex()


def entry_fields(
    *, seq: int, at: datetime, kind: str, subject: str, case_id: str | None, actor: str, alg: str, digest: str
) -> dict[str, Any]:
    """The fields an entry's hash covers (all but content itself, which `digest` covers)."""
    return {
        "seq": seq,
        "at": _time(at),
        "kind": kind,
        "subject": subject,
        "case_id": case_id,
        "actor": actor,
        "alg": alg,
        "digest": digest,
    }


def entry_hash(alg: str, prev_hash: str, fields: Mapping[str, Any]) -> str:
    """H(prev ‖ canonical(fields)) as hex; `prev_hash` hex (GENESIS for the first entry)."""
    return hasher(alg)(bytes.fromhex(prev_hash) + canonical(fields)).hex()
