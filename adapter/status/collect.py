"""Collecting the status report from the database alone (adapter/status/report.py): what every process wrote —
outbox, quarantine, cursors, job runs, heartbeats, the platforms' persisted state (adapter/platforms/state_store.py)
and the open alert conditions. Reads only: works on a read-only database and on one whose migrations are behind
(the tables a newer migration adds are then read as empty)."""

import functools
import os
import socket
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, inspect, select
from sqlalchemy.engine import Connection

from adapter import heartbeats
from adapter.config.settings import Settings
from adapter.keys import certificate_watch
from adapter.masking import mask_text
from adapter.persistence.complaint_tables import ComplaintOutboxRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.ops_tables import AlertConditionRow, AlertRow, FeedStateRow, PlatformStateRow
from adapter.persistence.partner_tables import PartnerOutboxRow
from adapter.persistence.tables import (
    CursorRow,
    JobRunRow,
    JobRunStatus,
    OutboxRow,
    OutboxStatus,
    ProcessHeartbeatRow,
    QuarantineRow,
    QuarantineStatus,
)
from adapter.status.report import (
    DatabaseStatus,
    FeedStatus,
    JobStatus,
    Limits,
    OpenCondition,
    PlatformStatus,
    ProcessStatus,
    QueueStatus,
    StatusReport,
)
from schemas.clock import Clock, from_db, to_utc

FEEDS = ("dispatches", "decisions")
DESK_FEEDS = ("complaints",)  # a complaint desk's one feed (adapter/complaints/inbound.py FEED)
PARTNER_FEEDS = ("partners",)  # a partner's one feed (adapter/partners/inbound.py FEED)


def _t(model: Any) -> Any:
    return model.__table__


def limits_of(settings: Settings) -> Limits:
    return Limits(
        breaker_open_seconds=settings.alerts.breaker_open_minutes * 60,
        feed_stale_seconds=settings.alerts.feed_stale_minutes * 60,
        certificate_expiry_days=settings.alerts.certificate_expiry_days,
    )


def collect(uow: UnitOfWork, settings: Settings, clock: Clock) -> StatusReport:
    """The status of the adapter on `uow`'s database at `clock()`, with the platforms of `settings`."""
    now = clock()
    limits = limits_of(settings)
    with uow.engine.connect() as connection:
        database = _database(connection)
        present = set(inspect(connection).get_table_names())
    certificates = certificate_watch.statuses(settings, now)  # files, not the database: known either way
    if database.current is None:  # not an adapter's database (yet): nothing to read but the finding
        return StatusReport(now, database, limits, certificates=certificates)
    processes = tuple(
        ProcessStatus(b.holder, b.host, b.pid, b.seen_at, tuple(sorted(b.data_keys)), b.active_key, _running(b))
        for b in (heartbeats.live(uow, now) if "process_heartbeats" in present else [])
    )
    with uow.engine.connect() as connection:
        running = _running_longer_than(connection, [p.holder for p in processes], now, limits.feed_stale_seconds)
        platforms = _platforms(connection, settings, present, now, limits, running=running)
        jobs = _jobs(connection, present)
        conditions = _conditions(connection, present)
        queues = _queues(connection, present)
    return StatusReport(now, database, limits, platforms, jobs, processes, conditions, queues, certificates)


def _database(connection: Connection) -> DatabaseStatus:
    from adapter.persistence.migrate import current  # alembic only when a database is opened

    url = connection.engine.url
    name = url.database or "" if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
    return DatabaseStatus(url.get_backend_name(), name, current(connection), _head())


@functools.cache
def _head() -> str:
    """The newest migration: read from the scripts once per process (the alert evaluation asks every minute)."""
    from adapter.persistence.migrate import head

    return head()


def _platforms(
    connection: Connection, settings: Settings, present: set[str], now: datetime, limits: Limits, *, running: bool
) -> tuple[PlatformStatus, ...]:
    utc_now = to_utc(now)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    in_flight: dict[str, int] = defaultdict(int)
    oldest: dict[str, datetime] = {}
    # the courts' outbox, the complaint desks' and the partners' (same delivery columns; the name is the platform)
    sibling = [_t(m) for m, n in ((ComplaintOutboxRow, "complaint_outbox"), (PartnerOutboxRow, "partner_outbox"))
               if n in present]  # fmt: skip
    for outbox in [_t(OutboxRow), *sibling]:
        for platform, status, n in connection.execute(
            select(outbox.c.platform, outbox.c.status, func.count()).group_by(outbox.c.platform, outbox.c.status)
        ):
            counts[platform][status] += n
        claimed = and_(outbox.c.status == OutboxStatus.PENDING, outbox.c.claimed_until > utc_now)
        for platform, n in connection.execute(
            select(outbox.c.platform, func.count()).where(claimed).group_by(outbox.c.platform)
        ):
            in_flight[platform] += n
        for platform, first in connection.execute(
            select(outbox.c.platform, func.min(outbox.c.queued_at))
            .where(outbox.c.status == OutboxStatus.PENDING)
            .group_by(outbox.c.platform)
        ):
            oldest[platform] = min(first, oldest.get(platform, first))
    q = _t(QuarantineRow)
    quarantined: dict[str, int] = dict(
        connection.execute(
            select(q.c.platform, func.count()).where(q.c.status == QuarantineStatus.OPEN).group_by(q.c.platform)
        ).all()
    )
    cursors = {(r.platform, r.feed): r for r in connection.execute(select(_t(CursorRow)))}
    states = (
        {r.platform: r for r in connection.execute(select(_t(PlatformStateRow)))}
        if "platform_states" in present
        else {}
    )
    feed_states = (
        {(r.platform, r.feed): r for r in connection.execute(select(_t(FeedStateRow)))}
        if "feed_states" in present
        else {}
    )
    configured = set(settings.platforms) | set(settings.desks) | set(settings.partners)
    names = sorted(configured | set(counts) | set(quarantined) | set(states))
    found = []
    for name in names:
        config = settings.platforms.get(name) or settings.desks.get(name) or settings.partners.get(name)
        mode = config.mode if config is not None else "unconfigured"
        state = states.get(name)
        feeds = tuple(
            _feed(f, cursors.get((name, f)), feed_states.get((name, f)), mode, now, limits, running)
            for f in (DESK_FEEDS if name in settings.desks else PARTNER_FEEDS if name in settings.partners else FEEDS)
        )
        first = oldest.get(name)
        found.append(
            PlatformStatus(
                name=name,
                mode=mode,
                breaker=state.breaker if state else "closed",
                breaker_since=_at(state.breaker_since) if state else None,
                held=bool(state.held) if state else False,
                held_reason=mask_text(state.held_reason) if state else "",
                held_since=_at(state.held_since) if state else None,
                state_at=_at(state.updated_at) if state else None,
                state_holder=state.holder if state else "",
                pending=counts[name][OutboxStatus.PENDING],
                in_flight=int(in_flight.get(name, 0)),
                dead=counts[name][OutboxStatus.DEAD],
                quarantined=int(quarantined.get(name, 0)),
                oldest_pending_at=_at(first),
                oldest_pending_seconds=(now - from_db(first)).total_seconds() if first is not None else None,
                feeds=feeds if mode != "push" else (),
            )
        )
    return tuple(found)


def _running_longer_than(connection: Connection, holders: list[str], now: datetime, seconds: float) -> bool:
    """Has one of the live processes been running for `seconds`? Only then is a feed never read a stale one (a
    process just started has not had its first poll yet)."""
    if not holders:
        return False
    beats = _t(ProcessHeartbeatRow)
    first = connection.execute(select(func.min(beats.c.started_at)).where(beats.c.holder.in_(holders))).scalar()
    return first is not None and (now - from_db(first)).total_seconds() > seconds


def _feed(feed: str, cursor: Any, state: Any, mode: str, now: datetime, limits: Limits, running: bool) -> FeedStatus:
    caught_up = _at(cursor.caught_up_at) if cursor is not None else None
    success = _at(state.last_success_at) if state is not None else None
    last = max((t for t in (success, caught_up) if t is not None), default=None)
    lag = (now - last).total_seconds() if last is not None else None
    return FeedStatus(
        feed=feed,
        cursor=cursor.value if cursor is not None else "",
        caught_up_at=caught_up,
        last_success_at=last,
        lag_seconds=lag,
        last_error_at=_at(state.last_error_at) if state is not None else None,
        last_error=mask_text(state.last_error) if state is not None else "",
        held=state.held_cause if state is not None else None,
        # a polled feed not read for too long, or never read while a `docking run` has been live that long (before
        # the first run nothing has been read, and nothing is wrong); a push platform has no feeds to read
        stale=mode == "poll" and (lag > limits.feed_stale_seconds if lag is not None else running),
    )


def _jobs(connection: Connection, present: set[str]) -> tuple[JobStatus, ...]:
    runs = _t(JobRunRow)
    by_job: dict[str, list[Any]] = defaultdict(list)
    for row in connection.execute(select(runs).order_by(runs.c.started_at)):
        by_job[row.job].append(row)
    found = []
    for job, rows in sorted(by_job.items()):
        last = rows[-1]
        ok = [r for r in rows if r.status == JobRunStatus.OK]
        failed = [r for r in rows if r.status == JobRunStatus.FAILED]
        finished = [r for r in rows if r.status != JobRunStatus.RUNNING]
        found.append(
            JobStatus(
                job=job,
                last_run_at=_at(last.started_at),
                last_status=last.status,
                last_success_at=_at(ok[-1].finished_at or ok[-1].started_at) if ok else None,
                last_failure_at=_at(failed[-1].finished_at or failed[-1].started_at) if failed else None,
                last_failure=mask_text(failed[-1].detail)[:500] if failed else "",
                failing=bool(finished) and finished[-1].status == JobRunStatus.FAILED,
            )
        )
    return tuple(found)


def _conditions(connection: Connection, present: set[str]) -> tuple[OpenCondition, ...]:
    if "alert_conditions" not in present:
        return ()
    c = _t(AlertConditionRow)
    rows = connection.execute(select(c).where(c.c.open.is_(True)).order_by(c.c.kind, c.c.subject))
    return tuple(OpenCondition(r.kind, r.subject, from_db(r.since), r.detail) for r in rows)


def _queues(connection: Connection, present: set[str]) -> tuple[QueueStatus, ...]:
    found = []
    for name, model in (("centre_events", CentreEventRow), ("alerts", AlertRow)):
        if name not in present:
            continue
        t = _t(model)
        by: dict[str, int] = dict(connection.execute(select(t.c.status, func.count()).group_by(t.c.status)).all())
        found.append(QueueStatus(name, int(by.get(OutboxStatus.PENDING, 0)), int(by.get(OutboxStatus.DEAD, 0))))
    return tuple(found)


def _at(value: datetime | None) -> datetime | None:
    return from_db(value) if value is not None else None


def _running(beat: heartbeats.Heartbeat) -> bool | None:
    """Is a heartbeat's process running, by its pid on this host (None on another)? A process killed with -9 keeps
    a fresh-looking heartbeat for up to STALE_AFTER periods; this shows it at once, in the processes table only —
    never a finding, nor anything that acts on heartbeats (key rotation, /readyz): a container of the same pod
    shares the host's name but not its pids, and would see every worker as gone."""
    if beat.host != socket.gethostname()[:64]:
        return None
    try:
        os.kill(beat.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True
