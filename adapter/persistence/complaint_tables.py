"""The complaint store (adapter/complaints/): complaints as their own records (not cases), their history, and the
messages to institutions' complaint desks with their delivery state (partners.md §1).

Kept apart from tables.py, like event_tables.py, because only adapter/complaints/ (and the jobs and pages that read
complaints) use it. Inbound messages from desks are deduplicated in the existing `inbox` table (platform = the desk
name, message_id unique) and refused bytes are kept in the existing `quarantine` table (feed "complaints").
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from adapter.persistence.delivery_columns import DeliveryColumns
from adapter.persistence.sealed_types import SealedJson


class ComplaintRow(SQLModel, table=True):
    """One complaint. The columns are what lists, deadlines and figures read without opening personal data;
    `complaint_json` is the complaint as received (schemas/complaint.py Complaint), its ID and phone numbers sealed
    at rest. `version` rises by one with every change: a writer holding an older version is refused (optimistic
    concurrency for the API and the console; the row is also locked FOR UPDATE while a use case changes it)."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_repeat", "complainant_key", "institution_uscc", "received_at"),
        Index("ix_complaints_desk_status", "desk", "status"),
    )

    complaint_id: str = Field(primary_key=True, max_length=40)
    desk: str = Field(max_length=64)  # the desk's platform name in the settings ([desks.<name>])
    desk_ref: str | None = Field(default=None, max_length=64)  # the institution's own reference, from its ack
    status: str = Field(index=True, max_length=32)  # adapter/complaints/states.py ComplaintStatus
    track: str = Field(max_length=20)  # schemas.complaint.Track
    channel: str = Field(max_length=16)
    institution_kind: str = Field(max_length=16)
    institution_uscc: str = Field(max_length=18)
    institution_name: str = Field(max_length=200)
    business: str = Field(max_length=16)  # classification codes in the recorded table and version
    cause: str = Field(max_length=16)
    amount: str = Field(max_length=20)  # Decimal as text: SQLite has no exact decimal type
    undisputed: bool = False
    received_at: datetime
    forwarded_at: datetime | None = None  # the forward delivered to the desk: the institution's receipt
    acknowledged_at: datetime | None = None
    decided_at: datetime | None = None  # the institution's decision notice
    small_claim_decided_at: datetime | None = None
    paid_at: datetime | None = None  # small claim: the institution confirmed payment
    review_requested_at: datetime | None = None
    review_decided_at: datetime | None = None
    closed_at: datetime | None = None  # closed, withdrawn, merged or converted: at rest
    stage: int = 15  # the decision period in days: 15, then 30 or 60 once extended (Order 2020 No 3 Art 20)
    decision_result: str | None = Field(default=None, max_length=16)  # schemas.complaint.DecisionResult
    remedy_amount: str | None = Field(default=None, max_length=20)
    satisfaction: int | None = None  # the return visit's 1–5
    repeat_of: str | None = Field(default=None, max_length=40)  # merged into / repeating this earlier complaint
    restarted_at: datetime | None = None  # a repeat with new facts restarted the clock [P33]
    case_id: str | None = Field(default=None, foreign_key="cases.id", max_length=40)  # the flow-C case it became
    # A blind index of the complainant's identifier for the repeat check: "<data key id>:<HMAC-SHA256 hex>" under a
    # key derived from that data key (adapter/complaints/blind_index.py) — never a plain hash, which an 18-digit
    # ID with its check digit would give back by brute force.
    complainant_key: str = Field(max_length=100)
    complaint_json: str = Field(sa_column=Column(SealedJson, nullable=False))
    version: int = 1
    created_at: datetime
    updated_at: datetime


class ComplaintEventRow(SQLModel, table=True):
    """The complaint's history: every transition and note (ComplaintEvent / ComplaintNote), who and why; never
    updated."""

    __tablename__ = "complaint_events"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(index=True, foreign_key="complaints.complaint_id", max_length=40)
    at: datetime
    event: str = Field(max_length=40)
    from_status: str = Field(max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # masked, never an ID


class ComplaintOutboxRow(DeliveryColumns, table=True):
    """A message to a desk, written in the transaction of the change that caused it and delivered by the outbox
    protocol (adapter/outbox/table_queue.py): `id` is the order, `message_id` what the desk dedupes by, and a
    complaint's messages go in id order (`complaint_id` is the order key)."""

    __tablename__ = "complaint_outbox"
    __table_args__ = (
        Index("ix_complaint_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_complaint_outbox_complaint", "complaint_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, max_length=64)
    complaint_id: str = Field(foreign_key="complaints.complaint_id", max_length=40)
    platform: str = Field(index=True, max_length=64)  # the desk
    type: str = Field(max_length=40)  # schemas.complaint.ComplaintMessageType
    envelope_json: str = Field(sa_column=Column(SealedJson, nullable=False))  # ComplaintEnvelope, IDs sealed
    created_at: datetime
