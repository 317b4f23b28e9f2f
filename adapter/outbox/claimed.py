"""An outbox row as a claim took it: what delivery reads of it (adapter/outbox/claim.py makes them).

A plain frozen record, not the ORM row: a claim's rows outlive its session and are only read — by the send threads
and the worker's thread, a few dozen attributes a message — and the ORM's instance, its loading and its instrumented
attributes cost the worker's GIL-bound thread ~15 µs a message for nothing it used (#21, bench/delivery.py). Frozen:
what the claim took is what the send and the record see; its results are written by adapter/outbox/record.py.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Claimed:
    """The outbox columns (adapter/persistence/tables.py OutboxRow) but the wire ones, as claimed: `envelope_json`
    opened with its document attached (adapter/outbox/attachments.py), `claimed_by` the claim's token and
    `claimed_until` its lease (aware UTC). The first fields are claim.py's SELECT, in its order."""

    id: int
    message_id: str
    case_id: str
    platform: str
    type: str
    seq: int
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    queued_at: datetime
    delivered_at: datetime | None
    envelope_json: str
    claimed_by: str
    claimed_until: datetime


# The columns the claim reads as they are stored, in Claimed's order (then the envelope, read as text and opened).
STORED = (
    "id",
    "message_id",
    "case_id",
    "platform",
    "type",
    "seq",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "queued_at",
    "delivered_at",
)
