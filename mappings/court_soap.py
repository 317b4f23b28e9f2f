"""Field maps for SOAP court platforms ("court-soap"): the court field set (court_fields.py) as court-standard XML
(court_xml.py), one message per <resource> document.

Every code goes through the versioned tables in court_soap.toml; an unknown code raises UnknownCode, never a default.
"""

from typing import Any

from mappings.codes import MalformedPayload
from mappings.court_xml import from_resource, to_resource
from mappings.framing import Framing
from reference.errors import UnknownCode

__all__ = ["MalformedPayload", "UnknownCode", "decode", "decode_status", "encode", "tables"]


def _read(payload: bytes) -> dict[str, Any]:
    """One court message. The WSDL carries the payload as text (xsd:string), and the connector keeps that text as
    its UTF-8 bytes (what the court's signature covers): so the bytes are read back as that text, and the encoding
    the payload's own declaration names (GBK, say: it was the court's bytes once) plays no part."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"the court message is not the UTF-8 of its text: byte {exc.start}") from None
    rows = from_resource(text, what="the court message")
    if len(rows) != 1:
        raise MalformedPayload(f"a court message holds one row, not {len(rows)}")
    return rows[0]


FRAMING = Framing("court_soap.toml", _read, lambda doc: to_resource([doc]))
tables, decode, decode_status, encode = FRAMING.tables, FRAMING.decode, FRAMING.decode_status, FRAMING.encode
