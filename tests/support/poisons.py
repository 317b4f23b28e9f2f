"""Poison items a court can publish — authentic (signed) dispatches the adapter cannot store — by name, for the
tests that need one quarantined (tests/integration/test_poison_items.py, test_console_browser.py)."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.wire import RawText
from tests.support.court import Court


def genuine(court: Court) -> dict[str, object]:
    """A genuine dispatch document from the court, taken off its feed, to be altered into a poison item."""
    court.core.dispatch(1, "01")
    item = court.core._feeds["dispatches"].pop()
    doc: dict[str, object] = json.loads(item.body)
    return doc


def signed(court: Court, raw: bytes, message_id: str) -> dict[str, str]:
    """The court's own signature over exactly these bytes: the item is authentic, only its content is poison."""
    return dict(court.core._signer.sign(raw, message_id=message_id, at=datetime.now(UTC)))


def _not_utf8(court: Court) -> tuple[str, bytes]:
    """Bytes that are not UTF-8 inside the item's JSON string (a court whose encoder is broken)."""
    doc = genuine(court)
    raw = json.dumps(doc, ensure_ascii=False).encode().replace(b'"xxbh": "', b'"xxbh": "\xff\xfe', 1)
    court.core.inject("dispatches", RawText.of(raw), signed(court, raw, str(doc["xxbh"])))
    return "malformed", raw


def _escaped_lone_surrogate(court: Court) -> tuple[str, bytes]:
    """The page's JSON carries the item's body with an escaped lone surrogate ("\\udcff"): valid JSON syntax that
    no UTF-8 text can hold. Kept as its WTF-8 bytes."""
    doc = genuine(court)
    body = json.dumps(doc, ensure_ascii=False).replace('"xxbh": "', '"xxbh": "\udcff', 1)
    raw = body.encode("utf-8", "surrogatepass")
    court.core.inject("dispatches", body, signed(court, raw, str(doc["xxbh"])))
    return "malformed", raw


def _lone_surrogate_in_the_message(court: Court) -> tuple[str, bytes]:
    """The body itself is UTF-8 JSON whose case id escapes a lone surrogate: decodes, but cannot be stored."""
    doc = genuine(court)
    raw = json.dumps(doc).replace('"ajbs": "', '"ajbs": "\\udcff', 1).encode()
    court.core.inject("dispatches", raw.decode(), signed(court, raw, str(doc["xxbh"])))
    return "invalid", raw


def _nul_in(field: str) -> Callable[[Court], tuple[str, bytes]]:
    def poison(court: Court) -> tuple[str, bytes]:
        """A NUL in the court's case id or message id: SQLite would store it, PostgreSQL refuses it."""
        doc = genuine(court)
        doc[field] = f"{doc[field]}\x00"
        raw = json.dumps(doc, ensure_ascii=False).encode()
        court.core.inject("dispatches", raw.decode(), signed(court, raw, str(doc["xxbh"])))
        return "invalid", raw

    poison.__doc__ = f"A NUL in {field}."
    return poison


POISONS = {
    "not-utf8": _not_utf8,
    "escaped-lone-surrogate": _escaped_lone_surrogate,
    "lone-surrogate-in-the-message": _lone_surrogate_in_the_message,
    "nul-in-case-id": _nul_in("ajbs"),
    "nul-in-message-id": _nul_in("xxbh"),
}
