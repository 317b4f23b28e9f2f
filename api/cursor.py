"""Opaque cursors for keyset pagination: the last item's sort key, bound to the filters of the query it paged.

Base64url of a small JSON document; opaque to clients (its form may change), not secret (it names a creation time
and a case id the client has already seen). A cursor used with other filters is refused rather than paging a
different list from a wrong place.
"""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class BadCursor(ValueError):
    """Not a cursor this API issued, or one issued for other filters."""


@dataclass(frozen=True)
class Position:
    created_at: datetime  # aware, UTC
    case_id: str


def fingerprint(filters: dict[str, Any]) -> str:
    text = json.dumps(filters, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(position: Position, filters: dict[str, Any]) -> str:
    doc = {"c": position.created_at.isoformat(), "i": position.case_id, "f": fingerprint(filters)}
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: str, filters: dict[str, Any]) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
        position = Position(datetime.fromisoformat(doc["c"]), str(doc["i"]))
        issued_for = doc["f"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadCursor("is not a cursor this API issued (use next_cursor as given)") from None
    if position.created_at.tzinfo is None:
        raise BadCursor("is not a cursor this API issued (use next_cursor as given)")
    if issued_for != fingerprint(filters):
        raise BadCursor("was issued for other filters; page a list with the filters it was issued for")
    return position
