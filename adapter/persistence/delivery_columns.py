"""The outbox's delivery columns for the sibling tables delivered by its protocol (adapter/outbox/table_queue.py):
centre events (event_tables.py) and alerts (ops_tables.py). Same meaning and statuses (OutboxStatus) as
tables.py OutboxRow's."""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel


class DeliveryColumns(SQLModel):
    status: str = Field(default="pending", max_length=16)  # OutboxStatus
    attempts: int = 0
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    queued_at: datetime  # giving up counts from here (a replay puts it back in the queue now)
    delivered_at: datetime | None = None
