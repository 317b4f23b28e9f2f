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


def canonical_text(value: Any) -> str:
    """`canonical(value)` as text, for a text column: not encoded to UTF-8 to be decoded again."""
    return _ENCODER.encode(value)


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


def canonical_fields(
    *, seq: int, at: datetime, kind: str, subject: str, case_id: str | None, actor: str, alg: str, digest: str
) -> bytes:
    """`canonical(entry_fields(…))`: the same bytes, written from a template of the fields in their sorted order
    rather than by the encoder walking a dict (the writer hashes thousands a feed page), each string as the encoder
    writes it (`_text`, its own string function). Fields of other types than those named are left to `canonical`."""
    texts = (kind, subject, actor, alg, digest)
    if type(seq) is not int or not (case_id is None or type(case_id) is str) or any(type(t) is not str for t in texts):
        fields = entry_fields(seq=seq, at=at, kind=kind, subject=subject, case_id=case_id, actor=actor, alg=alg,
                              digest=digest)  # fmt: skip
        return canonical(fields)
    case = "null" if case_id is None else _text(case_id)
    return (
        f'{{"actor":{_text(actor)},"alg":{_text(alg)},"at":{_text(_time(at))},"case_id":{case},'
        f'"digest":{_text(digest)},"kind":{_text(kind)},"seq":{seq},"subject":{_text(subject)}}}'
    ).encode()


# The encoder's own string writer for ensure_ascii=False (json.encoder picks the C one when it has it, as the
# encoder does): `canonical_fields` writes each string exactly as `canonical` does.
_text = json.encoder.encode_basestring
