"""Is the adapter ready to do its work? The checks behind `/readyz` (api/meta.py), each a name, a verdict and
a detail for the operator.

    check       ready when
    database    the database answers a SELECT 1
    migrations  its schema is at the newest migration (adapter/persistence/migrate.py head)
    jobs        a `docking run`/`serve` process is alive (a heartbeat seen within 3 periods, adapter/heartbeats.py)
                and no interval job (reconcile-open, deadline-sweep, prune) is stale: its last successful run
                (job_runs) is younger than 3 intervals plus the misfire grace — or no process has run that long yet
    platforms   no platform is held (the court refuses our credentials): held in this process, or its latest
                held/released centre event says held (another process holds it)
    certificates  (only when a certificate in use is watched: adapter/keys/certificate_watch.py — the seal's chain,
                each wsse certificate, the keyrings' active and published keys') none has expired or is unreadable
                — sealing or the court would refuse; one expiring soon is ready, said

Read from the database, so the answer is the same whichever process serves it. When the database does not
answer, the checks that need it fail with "not checked: the database does not answer".
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import Session, select

from adapter.config.settings import Settings
from adapter.events.kinds import EventType
from adapter.keys import certificate_watch
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import JobRunRow, JobRunStatus, ProcessHeartbeatRow
from adapter.platforms.registry import PlatformLink
from schemas.clock import Clock

CHECKS = ("database", "migrations", "jobs", "platforms")
LIVE_BEATS = 3  # heartbeats a process may miss before it counts as gone
STALE_RUNS = 3  # intervals a job may miss before it counts as stale


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def readiness(uow: UnitOfWork, settings: Settings, platforms: Mapping[str, PlatformLink], clock: Clock) -> list[Check]:
    """The four checks, in CHECKS order, then `certificates` when any is watched. Never raises for a database that
    does not answer: that is a verdict."""
    extra = _certificates(settings, clock())
    try:
        with uow.begin() as session:
            session.connection().execute(text("SELECT 1"))
            return [
                Check("database", True, "answers"),
                _migrations(session),
                _jobs(session, settings, clock()),
                _platforms(session, platforms),
                *extra,
            ]
    except Exception as exc:  # the server stopped, the file gone, the disk full: each is "not ready"
        down = f"not checked: the database does not answer ({type(exc).__name__})"
        return [
            Check("database", False, f"does not answer: {type(exc).__name__}"),
            *(Check(name, False, down) for name in CHECKS[1:]),
            *extra,
        ]


def _migrations(session: Session) -> Check:
    from adapter.persistence.migrate import current, head  # alembic is imported only when a database is opened

    have, want = current(session.connection()), head()
    if have == want:
        return Check("migrations", True, f"at {want}")
    return Check("migrations", False, f"schema at {have}, the adapter needs {want}: run `docking db upgrade`")


def _jobs(session: Session, settings: Settings, now: datetime) -> Check:
    beats = session.exec(select(ProcessHeartbeatRow)).all()
    live = [b for b in beats if now - _utc(b.seen_at) <= timedelta(seconds=LIVE_BEATS * b.period_seconds)]
    if not live:
        return Check("jobs", False, "no live `docking run` or `docking serve` process (no recent heartbeat)")
    running_since = min(_utc(b.started_at) for b in live)
    jobs = settings.jobs
    grace = timedelta(seconds=jobs.misfire_grace_seconds)
    last_ok = dict(
        session.exec(
            select(JobRunRow.job, func.max(JobRunRow.finished_at))
            .where(JobRunRow.status == JobRunStatus.OK)
            .group_by(JobRunRow.job)
        ).all()
    )
    stale = []
    for job, seconds in (
        ("reconcile-open", jobs.reconcile_seconds),
        ("deadline-sweep", jobs.deadline_sweep_seconds),
        ("prune", jobs.prune_seconds),
    ):
        allowed = timedelta(seconds=STALE_RUNS * seconds) + grace
        last = last_ok.get(job)
        since = _utc(last) if last is not None else running_since
        if now - since > allowed:
            stale.append(f"{job} (last success {'never' if last is None else _utc(last).isoformat()})")
    if stale:
        return Check("jobs", False, "stale: " + ", ".join(stale))
    return Check("jobs", True, f"{len(live)} process(es) running the jobs")


def _platforms(session: Session, platforms: Mapping[str, PlatformLink]) -> Check:
    held = {name for name, link in platforms.items() if link.hold.held}
    latest: dict[str, str] = {}
    for kind, data in session.exec(
        select(CentreEventRow.type, CentreEventRow.data_json)
        .where(CentreEventRow.type.in_([EventType.PLATFORM_HELD, EventType.PLATFORM_RELEASED]))  # type: ignore[attr-defined]
        .order_by(CentreEventRow.id)  # type: ignore[arg-type]
    ).all():
        latest[str(json.loads(data).get("platform", ""))] = kind
    # A platform no longer configured is not waited for (an empty mapping: a caller that names none, every one).
    held |= {n for n, kind in latest.items() if kind == EventType.PLATFORM_HELD and (not platforms or n in platforms)}
    if held:
        return Check("platforms", False, "held (the court refuses our credentials): " + ", ".join(sorted(held)))
    return Check("platforms", True, f"{len(platforms)} configured, none held")


def _certificates(settings: Settings, now: datetime) -> list[Check]:
    found = certificate_watch.statuses(settings, now)
    if not found:
        return []
    found = tuple(c for c in found if c.in_use)  # a retired or revoked key's certificate is only listed
    if not found:
        return []
    bad = [c for c in found if c.state not in ("ok", "expiring")]
    if bad:
        return [Check("certificates", False, "; ".join(f"{c.label}: {c.detail}" for c in bad))]
    soon = [f"{c.label}: {c.detail}" for c in found if c.state == "expiring"]
    return [Check("certificates", True, "; ".join(soon) or f"{len(found)} valid")]
