"""What the inbox remembers of each message it applied, and what a later item with the same message id is.

A feed is at least once, so a message id seen again is normal when it says the same thing: a duplicate, dropped.
A court-signed item that reuses an applied message id with a different body (another case, another amount) is not:
it is a court bug or an attack. It is kept in quarantine as `conflict` with both digests and its bytes, logged at
WARNING each time it comes, alerted at ERROR once per message id, and counted (`inbound_conflict`); the message
applied first stands (issue 14).

"The same body" is decided on the canonical envelope the item decodes to, not on its raw bytes: a court that
re-serialises a message (other whitespace, key order, escaping, an equal time written in another offset, a
re-signature) has sent the same message, and what the adapter applies is the envelope, so two items that decode
to the same envelope cannot differ in effect, and two that decode differently do. Left out of the digest:
- the send time (`created_at`, the court's fssj): a court may re-stamp a message it sends again, and a repeat
  changes nothing whatever its send time;
- what the adapter read from the message (the dispatch's `case_number_reading`, reference/case_intake.py): derived
  from what was sent, not sent;
- fields at their default value: a field added to the canonical schema later, with a default, leaves the digest of
  every earlier message unchanged, so an upgrade does not turn a feed re-read into false conflicts.
Wire fields the mapping does not read are outside the envelope and so outside the digest: they were never applied.

Messages applied before digests were kept (migration 0008) have none: a repeat of one is taken as a duplicate and
noted at INFO. It cannot be compared (a court decision's bytes were never kept), and taking the repeat's digest as
the reference could bless a conflicting body as the original.
"""

import hashlib
import json
import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, select

from adapter.persistence.tables import QuarantineRow
from schemas.envelope import Envelope

log = logging.getLogger("docking.ingest")

CONFLICT = "conflict"  # the quarantine reason
_NOT_SENT: dict[str, Any] = {"created_at": True, "body": {"dispatch": {"case_number_reading"}}}  # see the module doc


def envelope_digest(envelope: Envelope) -> str:
    """The SHA-256 (hex) of the envelope's canonical JSON: sorted keys, no spaces, ASCII escapes, times in UTC,
    amounts as their two-place text; the send time and fields at their default left out (see the module doc)."""
    fields = envelope.model_dump(mode="python", exclude=_NOT_SENT, exclude_defaults=True)
    fields["type"] = envelope.type.value  # a default of its body model, so left out above: named explicitly
    text = _JSON.encode(fields)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(value: Any) -> Any:
    """What the encoder cannot write itself, in its canonical form. An enum of text or numbers is written as its
    value by the encoder already (it is a str or int); the keys of an envelope's objects are its field names."""
    if isinstance(value, datetime):  # an aware time (schemas/times.py): the instant, whatever offset it was written in
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


# Built once (json.dumps with options builds one per call); it walks the dump in C, calling `_plain` only for what
# JSON has no type for — a walk in Python over every field cost more than the rest of the digest.
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain)


def same_message(platform: str, message_id: str, applied: str | None, digest: str) -> bool:
    """Is an item with `digest` a duplicate of the applied message whose digest is `applied`? Unknown (None) is
    taken as a duplicate, with a note."""
    if applied is None:
        log.info(
            "%s: message %s was applied before the inbox kept digests; its repeat is taken as a duplicate",
            platform,
            message_id,
        )
        return True
    return applied == digest


def report_conflict(session: Session, platform: str, message_id: str, applied: str, digest: str) -> str:
    """Log the conflict (WARNING each time; an ERROR alert the first time for this message id) and return the
    quarantine detail. Called before the item is kept, so "first" means no conflict for this id is in quarantine yet."""
    earlier = select(QuarantineRow.id).where(
        QuarantineRow.platform == platform, QuarantineRow.message_id == message_id, QuarantineRow.reason == CONFLICT
    )
    detail = (
        f"message {message_id} was applied with body digest {applied}; this court-signed item reuses its id with "
        f"body digest {digest}: a court bug or an attack. The message applied first stands; nothing was changed"
    )
    log.warning("%s: quarantined as conflict: %s", platform, detail)
    if session.exec(earlier).first() is None:
        log.error("%s: ALERT: message %s replayed with another body (quarantine reason conflict)", platform, message_id)
    return detail
