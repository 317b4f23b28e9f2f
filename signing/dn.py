"""Distinguished names written as text — RFC 4514 (and RFC 2253, RFC 1779, Java's X500Principal, OpenSSL) — read
and compared with a certificate's X.509 Name, for key references such as XML-DSig's X509IssuerName.

Attribute types by keyword or dotted OID; values plain with backslash escapes, quoted, or '#'-hex BER; compared
case-insensitively with runs of spaces collapsed (RFC 4518's intent, without its full tables). A string's RDNs run
from the most specific (CN) outwards (RFC 4514 §2.1), the reverse of the certificate's order; the certificate's
order is accepted too, since some toolkits write it so — a match only picks which configured certificate's key to
try, it never makes a signature valid.
"""

import re
from typing import Any

from cryptography import x509

_KEYWORDS = {
    "CN": "2.5.4.3",
    "SN": "2.5.4.4",
    "SURNAME": "2.5.4.4",
    "SERIALNUMBER": "2.5.4.5",
    "C": "2.5.4.6",
    "L": "2.5.4.7",
    "ST": "2.5.4.8",
    "S": "2.5.4.8",
    "STREET": "2.5.4.9",
    "O": "2.5.4.10",
    "OU": "2.5.4.11",
    "T": "2.5.4.12",
    "TITLE": "2.5.4.12",
    "BUSINESSCATEGORY": "2.5.4.15",
    "POSTALCODE": "2.5.4.17",
    "NAME": "2.5.4.41",
    "GIVENNAME": "2.5.4.42",
    "G": "2.5.4.42",
    "GN": "2.5.4.42",
    "INITIALS": "2.5.4.43",
    "GENERATIONQUALIFIER": "2.5.4.44",
    "DNQUALIFIER": "2.5.4.46",
    "PSEUDONYM": "2.5.4.65",
    "ORGANIZATIONIDENTIFIER": "2.5.4.97",
    "UID": "0.9.2342.19200300.100.1.1",
    "DC": "0.9.2342.19200300.100.1.25",
    "E": "1.2.840.113549.1.9.1",
    "EMAIL": "1.2.840.113549.1.9.1",
    "EMAILADDRESS": "1.2.840.113549.1.9.1",
}
_OID = re.compile(r"(?:OID\.)?([0-9]+(?:\.[0-9]+)+)", re.IGNORECASE | re.ASCII)
_STRING_CODECS = {0x1E: "utf-16-be", 0x1C: "utf-32-be"}  # BMPString, UniversalString; the rest read as UTF-8

Rdns = list[frozenset[tuple[str, str]]]
MAX_LENGTH = 4096  # no real name comes near; a longer one from a message is not parsed at all


def matches(text: str, name: x509.Name) -> bool:
    """Whether `text` writes `name` (in either RDN order)."""
    written = parse(text) if len(text) <= MAX_LENGTH else None
    if written is None:
        return False
    held = [frozenset((attribute.oid.dotted_string, _fold(attribute.value)) for attribute in rdn) for rdn in name.rdns]
    return written in (held[::-1], held)


def parse(text: str) -> Rdns | None:
    """The RDNs of a DN string, in written order, as sets of (OID, folded value); None if it is not one."""
    try:
        return [frozenset(_attribute(part) for part in _split(rdn, "+")) for rdn in _split(text, ",;") if rdn.strip()]
    except (ValueError, IndexError):  # bad hex, a truncated BER value, an unknown type, undecodable bytes
        return None


def _split(text: str, separators: str) -> list[str]:
    """`text` cut at separators that are neither escaped nor quoted."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current += ["\\", char]
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char in separators and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped or quoted:
        raise ValueError("unterminated escape or quote")
    return [*parts, "".join(current)]


def _attribute(text: str) -> tuple[str, str]:
    kind, equals, value = text.partition("=")
    if not equals:
        raise ValueError("no '='")
    kind = kind.strip()
    oid = _OID.fullmatch(kind)
    dotted = oid.group(1) if oid else _KEYWORDS.get(kind.upper())
    if dotted is None:
        raise ValueError(f"unknown attribute type {kind!r}")
    return dotted, _fold(_value(value.strip()))


def _value(text: str) -> str:
    if text.startswith("#"):  # the BER encoding of the value, in hex (RFC 4514 §2.4)
        der = bytes.fromhex(text[1:])
        tag, length = der[0], der[1]
        start = 2 if length < 0x80 else 2 + (length & 0x7F)
        return der[start:].decode(_STRING_CODECS.get(tag, "utf-8"))
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    raw, index = bytearray(), 0
    while index < len(text):
        if text[index] == "\\" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[index + 1 : index + 3]):
            raw.append(int(text[index + 1 : index + 3], 16))  # \hh: one byte of the UTF-8 encoding
            index += 3
        elif text[index] == "\\":
            raw += text[index + 1].encode()
            index += 2
        else:
            raw += text[index].encode()
            index += 1
    return raw.decode("utf-8")


def _fold(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else str(value)
    return " ".join(text.split()).casefold()
