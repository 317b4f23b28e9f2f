"""The wire columns of a delivered message (adapter/outbox/send.py `wire_values`) are written as text straight from
the canonical encoder (`canonical_text`), not encoded to UTF-8 and decoded again: the same text as
`canonical(meta).decode()` over varied answers and headers — ASCII and Chinese XML, JSON escapes, control
characters, invalid UTF-8 (replaced), empty, large — and `canonical_text` is `canonical` as text for any value."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from adapter.audit.chain import canonical, canonical_text
from adapter.outbox.send import wire_values
from connectors.port import Wire

SOAP = (
    b'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    b'<s:Body><r id="x">\n\t<ok/></r></s:Body></s:Envelope>'
)
ANSWERS: dict[str, bytes] = {
    "ascii_xml": SOAP,
    "chinese_xml": ("<r>" + "调解协议已送达法院，案号（2026）京0105民调123号。\n" * 60 + "</r>").encode(),
    "json": '{"code":"0","message":"已受理 \\"ok\\"","duplicate":false}'.encode(),
    "empty": b"",
    "controls": bytes(range(0, 32)) + b'\x7f"\\/',
    "invalid_utf8": b"ok \xff\xfe \xc3( \xed\xa0\x80 \xf0\x9f\x98 end",  # replaced, as decode("utf-8", "replace")
    "gbk_bytes": "法院回执".encode("gbk"),
    "emoji_and_separators": "😀 \u2028\u2029 \ufeff </script>".encode(),
    "large": SOAP * 2000,
}
HEADERS: dict[str, dict[str, str]] = {
    "soap": {"SOAPAction": '"urn:submit"', "Content-Type": "text/xml; charset=utf-8"},
    "rest_signed": {"X-JWS-Signature": "eyJ..c2ln", "Idempotency-Key": "M-1", "X-Note": "调解 é"},
    "none": {},
}


def _before(wire: Wire) -> dict[str, Any]:
    """wire_values as it was: the canonical bytes decoded."""
    meta = {
        "method": wire.method,
        "url": wire.url,
        "headers": dict(wire.headers),
        "status": wire.status,
        "answer": wire.answer.decode("utf-8", "replace"),
    }
    return {"new_wire_body": wire.body, "new_wire_json": canonical(meta).decode()}


@pytest.mark.parametrize("headers", sorted(HEADERS))
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_the_wire_text_is_the_canonical_bytes_decoded(answer: str, headers: str) -> None:
    wire = Wire("POST", "https://court.test:8443/soap/ws?调=1", HEADERS[headers], b"<x/>", 200, ANSWERS[answer])
    assert wire_values(wire) == _before(wire)


def test_no_wire_keeps_the_columns() -> None:
    assert wire_values(None) == {"new_wire_body": None, "new_wire_json": None}


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [True, None, 1.5], "c": {"z": "中", "y": "\x00"}},
        {"at": datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "raw": b"\x00\xff", "amount": Decimal("12.50")},
        "",
        [],
        'a "quoted" \\ back/slash \x01\x1f\x7f \t\r\n 😀 中文',
    ],
    ids=["nested", "defaults", "empty_text", "empty_list", "odd_text"],
)
def test_canonical_text_is_canonical_as_text(value: Any) -> None:
    assert canonical_text(value) == canonical(value).decode()
    assert canonical_text(value).encode() == canonical(value)
