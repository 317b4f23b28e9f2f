"""The periodic look at what the causes cannot say themselves: a condition that clears (the last dead letter
replayed, the last quarantine item resolved, a job that ran again, a reconciliation clean again), and states that
have no single cause (a failing job, a stale feed). It reads the status report (adapter/status/) and opens or
clears each condition accordingly — `change` writes an alert only on a change, so running it often is free of
repeats. The breaker and the holds are also confirmed from the persisted platform state, so a condition left open
by a process that died is cleared once another process has written the platform's state."""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from adapter.alerts.conditions import change, open_subjects
from adapter.alerts.kinds import AlertKind
from adapter.config.settings import Settings
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import ReconcileRunRow
from adapter.status import StatusReport, collect
from schemas.clock import Clock

log = logging.getLogger("docking.alerts")
RUNS = ReconcileRunRow.__table__  # type: ignore[attr-defined]
# Kinds whose state the report alone decides (the breaker and the holds are decided where they change)
DECIDED_HERE = (
    AlertKind.DEAD_LETTERS,
    AlertKind.QUARANTINE,
    AlertKind.FEED_STALE,
    AlertKind.JOB_FAILING,
    AlertKind.CERTIFICATE_EXPIRY,  # a certificate no longer watched (renewed under another name, unconfigured) clears
)


def evaluate(uow: UnitOfWork, settings: Settings, clock: Clock) -> int:
    """Open and clear conditions from the database's state now; returns the number of alerts written."""
    report = collect(uow, settings, clock)
    decided = states(report)
    written = 0
    with uow.begin() as session:
        connection = session.connection()
        for kind in DECIDED_HERE:  # a subject the report no longer names at all (nothing dead, nothing open) clears
            named = {subject for k, subject, _, _ in decided if k is kind}
            decided += [(kind, subject, False, "") for subject in open_subjects(connection, kind) - named]
        for kind, subject, is_open, detail in decided:
            if change(connection, kind, subject, opened=is_open, at=report.at, detail=detail):
                written += 1
        written += _reconcile_cleared(connection, report.at, not_courts={*settings.partners, *settings.desks})
    return written


def states(report: StatusReport) -> list[tuple[AlertKind, str, bool, str]]:
    """(kind, subject, open now?, detail) for every condition the report decides (pure)."""
    found: list[tuple[AlertKind, str, bool, str]] = []
    for p in report.platforms:
        if p.state_at is not None:  # a process has written its state: the breaker and hold are known
            found.append((AlertKind.BREAKER, p.name, p.breaker != "closed", ""))
            found.append((AlertKind.HELD, p.name, p.held, p.held_reason))
        found.append((AlertKind.DEAD_LETTERS, p.name, p.dead > 0, f"{p.dead} dead message(s)"))
        found.append((AlertKind.QUARANTINE, p.name, p.quarantined > 0, f"{p.quarantined} open item(s)"))
        for f in p.feeds:
            found.append((AlertKind.FEED_STALE, f"{p.name}/{f.feed}", f.stale, ""))
    for j in report.jobs:
        found.append((AlertKind.JOB_FAILING, j.job, j.failing, j.last_failure))
    for c in report.certificates:
        found.append((AlertKind.CERTIFICATE_EXPIRY, c.label, c.needs_attention, c.detail))
    return found


def _reconcile_cleared(connection: Connection, at: datetime, not_courts: set[str]) -> int:
    """Clear a court's reconciliation condition once the latest run covering it ended clean (ok, or repaired). A
    partner's or desk's (`not_courts`) is cleared by its own reconciliation (adapter/partners/reconcile.py): a court
    run over every court says nothing of it."""
    written = 0
    for platform in open_subjects(connection, AlertKind.RECONCILE) - not_courts:
        latest = connection.execute(
            select(RUNS.c.status)
            .where(RUNS.c.status != "running", (RUNS.c.platform == platform) | RUNS.c.platform.is_(None))
            .order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc())
            .limit(1)
        ).scalar()
        if latest in ("ok", "repaired") and change(connection, AlertKind.RECONCILE, platform, opened=False, at=at):
            written += 1
    return written
