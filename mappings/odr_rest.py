"""Field maps for the JSON court ODR platform profile ("odr-rest"): the court field set (court_fields.py) as JSON.

Every code goes through the versioned tables in odr_rest.toml; an unknown code raises UnknownCode, never a default.
"""

import json
from functools import cache

from mappings.codes import CodeTables, MalformedPayload, UnknownCode, load_tables
from mappings.court_fields import decode_doc, encode_doc
from schemas.enums import CourtStatus
from schemas.envelope import Envelope

__all__ = ["MalformedPayload", "UnknownCode", "decode", "decode_status", "encode", "tables"]


@cache
def tables(platform: str) -> CodeTables:
    return load_tables("odr_rest.toml", platform)


def decode(platform: str, body: bytes) -> Envelope:
    """The canonical envelope in a court message; raises MalformedPayload, UnknownCode or ValidationError."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"the body is not UTF-8 JSON ({exc})") from None
    except RecursionError:
        raise MalformedPayload("the body nests JSON too deeply to parse") from None
    return decode_doc(platform, doc, tables(platform))


def decode_status(platform: str, code: str | None) -> CourtStatus | None:
    return None if code is None else CourtStatus(tables(platform).to_canonical("court_status", code, "zt"))


def encode(envelope: Envelope) -> bytes:
    """The exact bytes sent for an outbound message (deterministic: the same envelope, the same bytes)."""
    doc = encode_doc(envelope, tables(envelope.platform))
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
