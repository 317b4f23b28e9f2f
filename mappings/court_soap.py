"""Field maps for SOAP court platforms ("court-soap"): the court field set (court_fields.py) as court-standard XML
(court_xml.py), one message per <resource> document.

Every code goes through the versioned tables in court_soap.toml; an unknown code raises UnknownCode, never a default.
"""

from functools import cache

from mappings.codes import CodeTables, MalformedPayload, UnknownCode, load_tables
from mappings.court_fields import decode_doc, encode_doc
from mappings.court_xml import from_resource, to_resource
from schemas.enums import CourtStatus
from schemas.envelope import Envelope

__all__ = ["MalformedPayload", "UnknownCode", "decode", "decode_status", "encode", "tables"]


@cache
def tables(platform: str) -> CodeTables:
    return load_tables("court_soap.toml", platform)


def decode(platform: str, payload: bytes) -> Envelope:
    """The canonical envelope in a court message; raises MalformedPayload, UnknownCode or ValidationError."""
    rows = from_resource(payload, what="the court message")
    if len(rows) != 1:
        raise MalformedPayload(f"a court message holds one row, not {len(rows)}")
    return decode_doc(platform, rows[0], tables(platform))


def decode_status(platform: str, code: str | None) -> CourtStatus | None:
    return None if code is None else CourtStatus(tables(platform).to_canonical("court_status", code, "ZT"))


def encode(envelope: Envelope) -> bytes:
    """The exact payload sent for an outbound message (deterministic: the same envelope, the same bytes)."""
    return to_resource([encode_doc(envelope, tables(envelope.platform))])
