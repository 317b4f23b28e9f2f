"""The centre-event store (adapter/events/): what the centre must hear of, written in the same transaction as its
cause, and its webhook delivery state.

Kept apart from tables.py (a sibling of api_tables.py) because only adapter/events/ writes and reads it. Its
delivery columns are the outbox's (adapter/persistence/tables.py OutboxRow) with the same meaning and the same
statuses (OutboxStatus); adapter/events/delivery.py says why the events have their own table.
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from adapter.persistence.delivery_columns import DeliveryColumns


class CentreEventRow(DeliveryColumns, table=True):
    """One event for the centre: never changed but for its delivery columns. `id` is the order (the GET cursor's
    position and, per case, the webhook delivery order); `event_id` is what a receiver dedupes by."""

    __tablename__ = "centre_events"
    __table_args__ = (
        Index("ix_centre_events_due", "status", "next_attempt_at", "id"),
        Index("ix_centre_events_case", "case_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=64)
    type: str = Field(max_length=40)
    case_id: str | None = Field(default=None, max_length=40)  # None: about a platform, not a case
    at: datetime
    data_json: str = Field(sa_column=Column(Text, nullable=False))  # masked: never a clear ID or phone
