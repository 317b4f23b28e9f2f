"""SQLModel table rows — the storage shape, kept apart from the canonical schema types — and the status values
some of them store (StrEnums: each member is the very string stored, so no migration goes with them)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from adapter.persistence.sealed_types import SealedBytes, SealedJson


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("platform", "platform_case_id"),
        # A court's id is unique per platform (above); the centre's own id for a self-received case is unique among
        # flow-C cases, whether or not the case has met a court since (0016): a second registration is refused.
        Index(
            "ux_cases_self_received",
            "platform_case_id",
            unique=True,
            sqlite_where=text("flow = 'self_received'"),
            postgresql_where=text("flow = 'self_received'"),
        ),
        # Everything reconciliation reads of a case, in the order it pages (adapter/reconcile/cases.py, 0021): a
        # million cases are read from this index alone, never a table row each.
        Index("ix_cases_reconcile", "platform", "status", "id", "platform_case_id"),
        # The newest dispatch held from a platform, which a full reconciliation asks once per platform (adapter/
        # reconcile/arrival.py, 0021): one seek, not a read of every case of the platform.
        Index("ix_cases_dispatched", "platform", "court_dispatched_at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    # None until a flow-C case meets a court. No index of its own: the indexes above begin with it (0022).
    platform: str | None = Field(default=None, max_length=64)
    platform_case_id: str = Field(max_length=64)
    case_number: str | None = Field(default=None, max_length=64)
    # The case's court code as read once at intake (reference/case_intake.py): the dispatch's own, else the one in
    # its 案号 — what per-court deadline settings match (adapter/deadlines/facts.py). None when the dispatch has
    # neither, and for cases stored before it was kept (0011): the deadline facts then read the stored dispatch.
    court_code: str | None = Field(default=None, max_length=16)
    flow: str = Field(max_length=20)
    procedure: str = Field(max_length=20)
    cause: str = Field(max_length=100)
    amount: str = Field(max_length=20)  # Decimal as text: SQLite has no exact decimal type
    status: str = Field(index=True, max_length=32)
    mediator: str | None = None
    dispatch_json: str = Field(sa_column=Column(SealedJson, nullable=False))  # parties' IDs and phones sealed
    agreement_json: str | None = Field(default=None, sa_column=Column(SealedJson))
    agreement_effective_at: datetime | None = None
    # When the court published its dispatch to the centre: the later of its dispatch time (pqsj) and its feed
    # item's time (fssj). The acceptance clock starts here, not when we happened to read it (deadlines/facts.py).
    # None for flow C and for cases stored before it was recorded.
    court_dispatched_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CaseEventRow(SQLModel, table=True):
    """The case history: every transition, who caused it and why; never updated."""

    __tablename__ = "case_events"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, foreign_key="cases.id", max_length=40)
    at: datetime
    event: str = Field(max_length=40)
    from_status: str = Field(max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class OutboxStatus(StrEnum):
    """Where an outgoing message stands (OutboxRow.status). Defined beside its table rather than in adapter/outbox/:
    the reconciliation, the figures, pruning and the CLI read the column too, and persistence imports nothing above
    it."""

    PENDING = "pending"  # queued or being retried; claimable when due (adapter/outbox/claim.py)
    DELIVERED = "delivered"  # the court has it (or answered a duplicate)
    DEAD = "dead"  # refused, or given up on; waits for an operator's replay (adapter/outbox/dead_letters.py)


class OutboxRow(SQLModel, table=True):
    """A message to deliver, written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"
    # The claim walks pending rows in due order (ix_outbox_due, stopping after one batch) and checks each
    # case's earlier rows (ix_outbox_case).
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_outbox_case", "case_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)  # also the per-case order
    message_id: str = Field(unique=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", max_length=40)
    platform: str = Field(index=True, max_length=64)
    type: str = Field(max_length=32)
    envelope_json: str = Field(sa_column=Column(SealedJson, nullable=False))
    seq: int = 1  # the message's place in its case's sequence (1, 2, 3, …), for receivers and for audit
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)  # OutboxStatus
    attempts: int = 0
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=40)  # the claim token of the worker holding the row
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    # When the row last entered the queue: created, or put back by a replay or a reconciliation repair. Giving up
    # (give_up_after_hours) counts from here, so a requeued message gets its full retry window again.
    queued_at: datetime
    delivered_at: datetime | None = None
    # The last delivered attempt exactly as sent — the signed request body, and {method, url, headers, status,
    # answer} as JSON — for the case's evidence bundle (adapter/evidence/); None until delivered, or for SOAP.
    wire_body: bytes | None = Field(default=None, sa_column=Column(SealedBytes))
    wire_json: str | None = Field(default=None, sa_column=Column(Text))


class InboxRow(SQLModel, table=True):
    """Every message applied from a platform, once: the unique key is what drops duplicates."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    type: str = Field(max_length=32)
    case_id: str | None = Field(default=None, max_length=40)
    received_at: datetime
    # The digest of the canonical envelope applied (adapter/inbox/digest.py): a later item with this message id and
    # another digest is a conflict, not a duplicate. None for messages applied before it was kept (0008).
    body_sha256: str | None = Field(default=None, max_length=64)
    # The bytes as received and the headers carrying the court's signature (JSON), for the case's evidence bundle
    # (adapter/evidence/); None for messages applied before they were kept (0020).
    raw: bytes | None = Field(default=None, sa_column=Column(SealedBytes))
    raw_headers_json: str | None = Field(default=None, sa_column=Column(Text))


class QuarantineStatus(StrEnum):
    """What became of a quarantined item (QuarantineRow.status; adapter/inbox/quarantine.py)."""

    OPEN = "open"
    REPROCESSED = "reprocessed"  # applied now, or found already applied
    RESOLVED = "resolved"  # an operator closed it with a note


class QuarantineRow(SQLModel, table=True):
    """Inbound bytes that failed verification or validation, kept exactly as received for inspection."""

    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(index=True, max_length=64)
    feed: str = Field(max_length=32)
    received_at: datetime
    reason: str = Field(max_length=40)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    raw_sha256: str = Field(index=True, max_length=64)  # a redelivered bad item is kept once
    message_id: str | None = Field(default=None, max_length=64)
    raw: bytes = Field(sa_column=Column(SealedBytes, nullable=False))  # sealed whole
    headers_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    # What became of it (adapter/inbox/quarantine.py): open → reprocessed (applied, or found already applied) or
    # resolved (an operator closed it with a note). Who and when are kept; every action is also in the audit table.
    status: str = Field(default=QuarantineStatus.OPEN, max_length=16)  # QuarantineStatus
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the last reprocess
    handled_by: str | None = Field(default=None, max_length=64)
    handled_at: datetime | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class CursorRow(SQLModel, table=True):
    """How far each platform feed has been read; advanced after a page is ingested (the inbox drops re-reads)."""

    __tablename__ = "cursors"

    platform: str = Field(primary_key=True, max_length=64)
    feed: str = Field(primary_key=True, max_length=32)
    value: str = Field(default="", max_length=128)
    # When the last poll that read this feed to its end began: what the feed held then is here (or quarantined).
    caught_up_at: datetime | None = None


class DocumentRow(SQLModel, table=True):
    """Agreement documents by content digest: the bytes that were signed are the bytes kept."""

    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(SealedBytes, nullable=False))  # agreements name the parties
    stored_at: datetime


class SeenNonceRow(SQLModel, table=True):
    """Signed request ids (nonces) seen within the freshness window, so a captured request cannot be replayed."""

    __tablename__ = "seen_nonces"

    scope: str = Field(primary_key=True, max_length=64)  # the platform (or role) that signed
    nonce: str = Field(primary_key=True, max_length=128)
    expires_at: datetime = Field(index=True)


class AuditRow(SQLModel, table=True):
    """Operator actions that change delivery (replays): who, when, why, on what. Never updated."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    subject: str = Field(max_length=128)  # e.g. the message id
    reason: str = Field(sa_column=Column(Text, nullable=False))


class ReconcileRunRow(SQLModel, table=True):
    """One reconciliation run: what it covered, what it found and repaired (adapter/reconcile/)."""

    __tablename__ = "reconcile_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    platform: str | None = Field(default=None, max_length=64)  # the --platform filter; None: every platform
    scope: str = Field(max_length=8)  # open | full
    repair: bool = False
    checked: int = 0
    in_flight: int = 0
    differences: int = 0
    repaired: int = 0
    status: str = Field(default="running", max_length=16)  # running | ok | repaired | differences | failed
    actor: str = Field(max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # why a run failed


class ReconcileDifferenceRow(SQLModel, table=True):
    """One difference a run found, and what was done about it. Holds ids and statuses only, no personal data."""

    __tablename__ = "reconcile_differences"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="reconcile_runs.id", index=True)
    case_id: str | None = Field(default=None, index=True, max_length=40)  # None: a case only the platform knows
    platform: str = Field(max_length=64)
    platform_case_id: str = Field(max_length=64)
    ours: str | None = Field(default=None, max_length=32)  # court statuses (schemas.enums.CourtStatus)
    theirs: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=32)
    action: str = Field(max_length=16)  # resend | redeliver | fetch | report
    repaired: bool = False  # the action was taken (not only suggested)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class JobRunStatus(StrEnum):
    """How a singleton job's run for one period stands (JobRunRow.status; adapter/job_locks.py)."""

    RUNNING = "running"  # a run "running" past its lease is presumed dead and may be taken over
    OK = "ok"
    FAILED = "failed"  # tried again by the next process to look at the period


class JobRunRow(SQLModel, table=True):
    """One run of a singleton job for one period (e.g. reconcile-nightly 2026-11-23): the unique key is what
    makes several `docking run` processes run it once per period (adapter/job_locks.py)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    period: str = Field(max_length=32)
    holder: str = Field(max_length=80)  # host:pid:token of the process that ran it
    started_at: datetime
    lease_until: datetime  # a run still "running" past this is presumed dead and may be taken over
    finished_at: datetime | None = None
    status: str = Field(default=JobRunStatus.RUNNING, max_length=16)  # JobRunStatus
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # result summary (JSON)


class JobLockRow(SQLModel, table=True):
    """A lease on a job that must not run in two processes at once but has no period (a platform's polling)."""

    __tablename__ = "job_locks"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=80)
    lease_until: datetime


class ProcessHeartbeatRow(SQLModel, table=True):
    """A running `docking run` process and the data keys it holds, refreshed while it runs and removed when it
    stops cleanly (adapter/heartbeats.py): what `docking keys rotate-data` checks before re-sealing."""

    __tablename__ = "process_heartbeats"

    holder: str = Field(primary_key=True, max_length=80)  # host:pid:token, as in job_runs
    host: str = Field(max_length=64)
    pid: int
    started_at: datetime
    seen_at: datetime  # refreshed every `period_seconds`; older than a few periods means the process is gone
    period_seconds: int
    data_keys: str = Field(default="", max_length=1000)  # the data key ids it holds, comma-separated, sorted
    active_key: str | None = Field(default=None, max_length=32)  # the one it seals with; None: no [encryption]
