"""The partner store (adapter/partners/): records of the traffic platform, arbitration commissions and the SPC
roster (partners.md §2–§4) in one table whatever their kind, their history, and the messages to the partners with
their delivery state.

Kept apart from tables.py, like complaint_tables.py, because only adapter/partners/ (and the jobs and pages that
read partner records) use it. Inbound partner messages are deduplicated in the existing `inbox` table (platform =
the partner's name, message_id unique) and refused bytes are kept in the existing `quarantine` table (feed
"partners").
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from adapter.persistence.delivery_columns import DeliveryColumns
from adapter.persistence.sealed_types import SealedJson


class PartnerRecordRow(SQLModel, table=True):
    """One record of a partner kind (a traffic case, an arbitration application, a roster entry or registration).
    The columns are what lists, deadlines and figures read without opening personal data; `facts_json` is the
    kind's own data (adapter/partners/spec.py PartnerRecord.facts), sealed at rest. `version` rises by one with
    every change: a writer holding an older version is refused (optimistic concurrency; the row is also locked FOR
    UPDATE while a use case changes it). (partner, partner_ref) is unique: the partner's reference names one record
    of ours (partners.md §0)."""

    __tablename__ = "partner_records"
    __table_args__ = (
        UniqueConstraint("partner", "partner_ref", name="uq_partner_records_ref"),
        Index("ix_partner_records_kind_status", "kind", "status"),
        Index("ix_partner_records_partner_status", "partner", "status"),
    )

    record_id: str = Field(primary_key=True, max_length=40)  # RECORD_PREFIX + a sortable unique id
    kind: str = Field(max_length=16)  # schemas.partner.PartnerKind
    partner: str = Field(max_length=64)  # the partner's name in the settings ([partners.<name>])
    partner_ref: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=32)  # the kind's machine's status
    version: int = 1
    subject: str = Field(default="", max_length=200)  # never an ID number (spec.PartnerRecord)
    amount: str | None = Field(default=None, max_length=20)  # yuan, Decimal as text: SQLite has no exact decimal
    case_id: str | None = Field(default=None, foreign_key="cases.id", max_length=40)
    # The blind index of Change.match_id ("<data key id>:<HMAC-SHA256 hex>", adapter/partners/match_key.py): finds
    # the same person in two records without storing or searching by the ID number itself.
    match_key: str | None = Field(default=None, index=True, max_length=100)
    # The identifier itself, sealed ({"id_number": …}), only so a data-key rotation can re-key match_key
    # (adapter/partners/match.py reindex); never read otherwise.
    match_json: str | None = Field(default=None, sa_column=Column(SealedJson, nullable=True))
    facts_json: str = Field(sa_column=Column(SealedJson, nullable=False))
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None  # a final status reached


class PartnerEventRow(SQLModel, table=True):
    """A record's history: every transition (`event`) and note (`note`), who and why; never updated."""

    __tablename__ = "partner_events"

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(index=True, foreign_key="partner_records.record_id", max_length=40)
    at: datetime
    event: str | None = Field(default=None, max_length=48)
    note: str | None = Field(default=None, max_length=48)
    from_status: str = Field(max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=80)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # masked, never an ID


class PartnerOutboxRow(DeliveryColumns, table=True):
    """A message to a partner, written in the transaction of the change that caused it and delivered by the outbox
    protocol (adapter/outbox/table_queue.py): `id` is the order, `message_id` what the partner dedupes by, and a
    record's messages go in id order (`record_id` is the order key)."""

    __tablename__ = "partner_outbox"
    __table_args__ = (
        Index("ix_partner_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_partner_outbox_record", "record_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, max_length=64)
    record_id: str = Field(foreign_key="partner_records.record_id", max_length=40)
    platform: str = Field(index=True, max_length=64)  # the partner
    type: str = Field(max_length=48)
    envelope_json: str = Field(sa_column=Column(SealedJson, nullable=False))  # PartnerEnvelope, sealed
    created_at: datetime
