"""The metrics read from the database at scrape time (a prometheus-client custom Collector), and the breaker
and hold state of this process's platforms.

Read at scrape time, not counted as things happen, because several `docking run` processes share one database:
each scrape gives the whole picture, whichever process sent, quarantined or ran what. A handful of grouped
SELECTs per scrape, on the indexed status columns.

    metric (prefix docking_)                       labels               meaning
    outbox_messages                                platform, status     rows by OutboxStatus (pending/delivered/dead)
    outbox_oldest_pending_age_seconds              platform             now − queued_at of the oldest pending row
    dead_letters                                   platform             dead outbox rows waiting for a replay
    quarantine_open                                reason               open quarantined items
    feed_lag_seconds                               platform, feed       now − the cursor's caught_up_at
    deadline_alerts                                kind, state          deadline alerts stored (centre events)
    reconcile_differences                          kind                 differences found by the latest run
    job_last_success_timestamp_seconds             job                  Unix time of a job's last ok run (job_runs)
    centre_events                                  status               centre events by delivery status
    breaker_state                                  platform             0 closed, 1 half-open, 2 open (this process)
    platform_held                                  platform             1 while the court refuses our credentials
"""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import select

from adapter.events.kinds import EventType
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import (
    CursorRow,
    JobRunRow,
    JobRunStatus,
    OutboxRow,
    OutboxStatus,
    QuarantineRow,
    QuarantineStatus,
    ReconcileDifferenceRow,
    ReconcileRunRow,
)
from adapter.platforms.breaker import BreakerState
from adapter.platforms.registry import Platforms
from schemas.clock import Clock

log = logging.getLogger("docking.metrics")
BREAKER_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite gives naive UTC back


class DatabaseCollector(Collector):
    """Collects the table above on every scrape. A database that cannot answer leaves its metrics out of that
    scrape (and says so in the log) rather than failing the whole exposition: the in-process metrics still come."""

    def __init__(self, uow: UnitOfWork, clock: Clock, platforms: Platforms) -> None:
        self.uow, self.clock, self.platforms = uow, clock, platforms

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._platform_state()
        try:
            families = self._from_database()
        except Exception as exc:  # an outage is what /readyz reports; the scrape goes on without these
            log.warning("metrics: the database did not answer (%s); its metrics are left out", type(exc).__name__)
            return
        yield from families

    def _platform_state(self) -> Iterator[GaugeMetricFamily]:
        breaker = GaugeMetricFamily(
            "docking_breaker_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open (this process)",
            labels=["platform"],
        )
        held = GaugeMetricFamily(
            "docking_platform_held", "1 while the court refuses our credentials (this process)", labels=["platform"]
        )
        for name, link in sorted(self.platforms.items()):
            state = link.breaker.state if link.breaker is not None else BreakerState.CLOSED
            breaker.add_metric([name], BREAKER_VALUES[state])
            held.add_metric([name], 1 if link.hold.held else 0)
        yield breaker
        yield held

    def _from_database(self) -> list[GaugeMetricFamily]:
        now = self.clock()
        depth = GaugeMetricFamily(
            "docking_outbox_messages", "Outbox rows by platform and status", labels=["platform", "status"]
        )
        oldest = GaugeMetricFamily(
            "docking_outbox_oldest_pending_age_seconds", "Age of the oldest pending message", labels=["platform"]
        )
        dead = GaugeMetricFamily("docking_dead_letters", "Dead outbox messages awaiting a replay", labels=["platform"])
        quarantine = GaugeMetricFamily("docking_quarantine_open", "Open quarantined items by reason", labels=["reason"])
        lag = GaugeMetricFamily(
            "docking_feed_lag_seconds", "Time since the feed was last read to its end", labels=["platform", "feed"]
        )
        alerts = GaugeMetricFamily("docking_deadline_alerts", "Deadline alerts stored", labels=["kind", "state"])
        differences = GaugeMetricFamily(
            "docking_reconcile_differences", "Differences the latest reconciliation run found", labels=["kind"]
        )
        jobs = GaugeMetricFamily(
            "docking_job_last_success_timestamp_seconds", "Unix time of the job's last successful run", labels=["job"]
        )
        events = GaugeMetricFamily("docking_centre_events", "Centre events by delivery status", labels=["status"])
        with self.uow.begin() as session:
            for platform, status, count in session.exec(
                select(OutboxRow.platform, OutboxRow.status, func.count()).group_by(
                    OutboxRow.platform, OutboxRow.status
                )
            ).all():
                depth.add_metric([platform, status], count)
                if status == OutboxStatus.DEAD:
                    dead.add_metric([platform], count)
            for platform, queued in session.exec(
                select(OutboxRow.platform, func.min(OutboxRow.queued_at))
                .where(OutboxRow.status == OutboxStatus.PENDING)
                .group_by(OutboxRow.platform)
            ).all():
                oldest.add_metric([platform], max(0.0, (now - _utc(queued)).total_seconds()))
            for reason, count in session.exec(
                select(QuarantineRow.reason, func.count())
                .where(QuarantineRow.status == QuarantineStatus.OPEN)
                .group_by(QuarantineRow.reason)
            ).all():
                quarantine.add_metric([reason], count)
            for cursor in session.exec(select(CursorRow)).all():
                if cursor.caught_up_at is not None:
                    lag.add_metric(
                        [cursor.platform, cursor.feed], max(0.0, (now - _utc(cursor.caught_up_at)).total_seconds())
                    )
            by_kind: dict[tuple[str, str], int] = {}
            for data in session.exec(
                select(CentreEventRow.data_json).where(CentreEventRow.type == EventType.DEADLINE_ALERT)
            ).all():
                doc = json.loads(data)
                key = (str(doc.get("kind", "")), str(doc.get("state", "")))
                by_kind[key] = by_kind.get(key, 0) + 1
            for (kind, state), count in sorted(by_kind.items()):
                alerts.add_metric([kind, state], count)
            latest = session.exec(
                select(func.max(ReconcileRunRow.id)).where(ReconcileRunRow.finished_at.is_not(None))  # type: ignore[union-attr]
            ).one()
            if latest is not None:
                for kind, count in session.exec(
                    select(ReconcileDifferenceRow.kind, func.count())
                    .where(ReconcileDifferenceRow.run_id == latest)
                    .group_by(ReconcileDifferenceRow.kind)
                ).all():
                    differences.add_metric([kind], count)
            for job, finished in session.exec(
                select(JobRunRow.job, func.max(JobRunRow.finished_at))
                .where(JobRunRow.status == JobRunStatus.OK)
                .group_by(JobRunRow.job)
            ).all():
                if finished is not None:
                    jobs.add_metric([job], _utc(finished).timestamp())
            for status, count in session.exec(
                select(CentreEventRow.status, func.count()).group_by(CentreEventRow.status)
            ).all():
                events.add_metric([status], count)
        return [depth, oldest, dead, quarantine, lag, alerts, differences, jobs, events]
