"""A quarantined message's raw bytes as an operator may read them (`docking quarantine show`, the console):
decoded, numbers masked, cut to a readable size."""

import hashlib
from typing import Any

from adapter.masking import mask_document
from adapter.persistence.tables import QuarantineRow

SHOWN_BYTES = 65536


def raw_text(raw: bytes, whole: bool) -> tuple[str, str]:
    """The bytes as text, masked (`mask_document`), and a note (empty if none) if they were cut to `SHOWN_BYTES`
    unless `whole`, are not UTF-8 (GB18030 is tried), or are not text at all (then the text is empty)."""
    shown = raw if whole else raw[:SHOWN_BYTES]
    notes = []
    if len(shown) < len(raw):
        notes.append(f"showing the first {len(shown)} of {len(raw)} bytes; --all shows everything")
    try:
        text = shown.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = shown.decode("gb18030")
            notes.append("the bytes are not UTF-8; shown decoded as GB18030")
        except UnicodeDecodeError:
            digest = hashlib.sha256(raw).hexdigest()
            return "", f"the bytes are not text ({len(raw)} bytes, SHA-256 {digest}); not shown"
    return mask_document(text), "; ".join(notes)


def summary(row: QuarantineRow) -> dict[str, Any]:
    """The row's listing columns: id, platform, feed, received_at, message_id, reason, status, bytes (its size)."""
    return {
        "id": row.id,
        "platform": row.platform,
        "feed": row.feed,
        "received_at": row.received_at,
        "message_id": row.message_id or "",
        "reason": row.reason,
        "status": row.status,
        "bytes": len(row.raw),
    }
