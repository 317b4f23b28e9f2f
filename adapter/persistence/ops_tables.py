"""Table rows an operator reads from another process: each platform's state as its running process last saw it,
the alerts to send (adapter/alerts/) and the conditions they announce.

Kept apart from tables.py (a sibling of event_tables.py): only adapter/platforms/state_store.py, adapter/alerts/ and
adapter/status.py read or write them. The alerts' delivery columns are the outbox's (adapter/persistence/tables.py
OutboxRow), with the same meaning and statuses (OutboxStatus), delivered by the same protocol
(adapter/outbox/table_queue.py).
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from adapter.persistence.delivery_columns import DeliveryColumns


class PlatformStateRow(SQLModel, table=True):
    """A platform's breaker and credentials hold as the process running it last saw them (written on change)."""

    __tablename__ = "platform_states"

    platform: str = Field(primary_key=True, max_length=64)
    breaker: str = Field(default="closed", max_length=16)  # closed | open | half_open (BreakerState)
    breaker_since: datetime | None = None  # when it last changed; None: closed since the row was written
    held: bool = False  # the court refuses our credentials (adapter/platforms/credential_hold.py)
    held_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    held_since: datetime | None = None
    updated_at: datetime
    holder: str = Field(default="", max_length=80)  # host:pid:token of the process that wrote it (job_runs')


class FeedStateRow(SQLModel, table=True):
    """One feed's last successful poll and last error, and its hold (adapter/platforms/feed_hold.py); written at
    most once per poll of that feed."""

    __tablename__ = "feed_states"

    platform: str = Field(primary_key=True, max_length=64)
    feed: str = Field(primary_key=True, max_length=32)
    last_success_at: datetime | None = None  # the last poll that read a page (or the feed's end) without error
    last_error_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # masked
    held_cause: str | None = Field(default=None, max_length=16)  # oversized | unparseable | behind; None: moving
    held_since: datetime | None = None
    updated_at: datetime
    holder: str = Field(default="", max_length=80)


class AlertConditionRow(SQLModel, table=True):
    """Whether a condition (e.g. the breaker of one platform) is open now: an alert is written only when it opens
    or clears, so a condition that persists is announced once (adapter/alerts/conditions.py)."""

    __tablename__ = "alert_conditions"

    kind: str = Field(primary_key=True, max_length=32)  # adapter/alerts/kinds.py AlertKind
    subject: str = Field(primary_key=True, max_length=128)  # a platform, a job, a case id, a year
    open: bool = True
    since: datetime  # when it last opened or cleared
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # masked


class AlertRow(DeliveryColumns, table=True):
    """One alert to send to every configured destination: a condition opened or cleared. Never changed but for its
    delivery columns. Alerts of one condition (kind, subject: `topic`) are delivered in order."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_due", "status", "next_attempt_at", "id"),
        Index("ix_alerts_topic", "topic", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: str = Field(unique=True, max_length=64)  # the webhook-id a receiver dedupes by
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=128)
    topic: str = Field(max_length=170)  # kind:subject, the order key
    state: str = Field(max_length=16)  # opened | closed
    at: datetime
    data_json: str = Field(sa_column=Column(Text, nullable=False))  # masked: never a clear ID or phone
