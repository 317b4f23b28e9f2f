"""The shape of `docking status` (and of the dashboard's health page): frozen dataclasses, times aware UTC,
durations in seconds. Filled by adapter/status/collect.py; judged by adapter/status/attention.py.

    StatusReport
    ├── at, limits (Limits: the thresholds the judgement used)
    ├── database: DatabaseStatus (dialect, current and head migration)
    ├── platforms: PlatformStatus… (mode, breaker, hold, counts, oldest pending)
    │   └── feeds: FeedStatus… (cursor, last success and its lag, last error, hold)
    ├── jobs: JobStatus… (last run, last success, last failure and why)
    ├── processes: ProcessStatus… (live `docking run` processes and the data keys each holds)
    ├── conditions: OpenCondition… (alert conditions open now: adapter/alerts/)
    ├── certificates: CertificateStatus… (the seal's and the keyrings' certificates: adapter/keys/certificate_watch.py)
    └── queues: QueueStatus… (centre events, alerts: pending and dead)
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Limits:
    """When a state needs a person ([alerts] settings)."""

    breaker_open_seconds: float = 900.0
    feed_stale_seconds: float = 3600.0
    certificate_expiry_days: float = 30.0


@dataclass(frozen=True)
class DatabaseStatus:
    dialect: str  # sqlite | postgresql
    name: str  # the file, or host/database: never a password
    current: str | None  # the migration the database is at; None: not versioned
    head: str  # the newest migration this adapter knows

    @property
    def behind(self) -> bool:
        return self.current != self.head


@dataclass(frozen=True)
class FeedStatus:
    feed: str  # dispatches | decisions
    cursor: str
    caught_up_at: datetime | None  # the last poll that read the feed to its end began then (cursors table)
    last_success_at: datetime | None  # the last poll without error (feed_states; else caught_up_at)
    lag_seconds: float | None  # now − last_success_at; None: never read
    last_error_at: datetime | None
    last_error: str  # masked
    held: str | None  # why the feed waits at its cursor (oversized | unparseable | behind); None: moving
    stale: bool  # polled, and not read successfully within Limits.feed_stale_seconds


@dataclass(frozen=True)
class PlatformStatus:
    name: str
    mode: str  # poll | push | unconfigured (found in the database only)
    breaker: str  # closed | open | half_open, as its running process last wrote it
    breaker_since: datetime | None
    held: bool  # the court refuses our credentials
    held_reason: str
    held_since: datetime | None
    state_at: datetime | None  # when its process last wrote the breaker/hold state; None: never
    state_holder: str  # that process (host:pid:token)
    pending: int  # outbox rows waiting (in_flight included)
    in_flight: int  # pending rows claimed by a worker now
    dead: int
    quarantined: int  # open quarantine items
    oldest_pending_at: datetime | None  # when the oldest pending row entered the queue
    oldest_pending_seconds: float | None
    feeds: tuple[FeedStatus, ...] = ()


@dataclass(frozen=True)
class JobStatus:
    job: str
    last_run_at: datetime | None
    last_status: str  # running | ok | failed
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure: str  # why (masked), of the last failed run
    failing: bool  # its last finished run failed


@dataclass(frozen=True)
class ProcessStatus:
    holder: str
    host: str
    pid: int
    seen_at: datetime
    data_keys: tuple[str, ...]
    active_key: str | None
    # On this host: is the pid running? (False: killed, its heartbeat not yet stale.) None on another host.
    running: bool | None = None


@dataclass(frozen=True)
class OpenCondition:
    kind: str  # adapter/alerts/kinds.py AlertKind
    subject: str
    since: datetime
    detail: str


@dataclass(frozen=True)
class CertificateStatus:
    label: str  # "seal", "seal:chain[1]"… (the [seal] chain), "<platform>:wsse" or "<owner>:<file>" in a keyring
    path: str
    subject: str  # RFC 4514; "" when unreadable
    not_after: datetime | None
    days_left: float | None  # negative once expired
    state: str  # ok | expiring | expired | not_yet_valid | unreadable
    detail: str  # one line for an operator
    in_use: bool = True  # False: a retired or revoked key's certificate, listed but never alerting nor not-ready

    @property
    def needs_attention(self) -> bool:
        return self.in_use and self.state != "ok"


@dataclass(frozen=True)
class QueueStatus:
    name: str  # centre_events | alerts
    pending: int
    dead: int


@dataclass(frozen=True)
class StatusReport:
    at: datetime
    database: DatabaseStatus
    limits: Limits = field(default_factory=Limits)
    platforms: tuple[PlatformStatus, ...] = ()
    jobs: tuple[JobStatus, ...] = ()
    processes: tuple[ProcessStatus, ...] = ()
    conditions: tuple[OpenCondition, ...] = ()
    queues: tuple[QueueStatus, ...] = ()
    certificates: tuple[CertificateStatus, ...] = ()
