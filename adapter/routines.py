"""The periodic singleton jobs: reconcile (frequent over open cases, nightly in full), the deadline sweep (cases
and complaints), pruning and the monthly report — each run by one process per period (adapter/job_locks.py), its
result stored with the run in `job_runs`.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from adapter.config.settings import Settings
from adapter.deadlines import Deadlines
from adapter.deadlines.complaint_sweep import sweep_complaints
from adapter.deadlines.sweep import sweep
from adapter.job_locks import interval_period, once_per_period
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import Platforms
from adapter.prune import prune
from adapter.reconcile import reconcile
from adapter.reconcile.cases import Scope
from adapter.reconcile.reconciler import read_retrying
from adapter.report import Month, monthly_report, store
from schemas.clock import CHINA, Clock, from_db

log = logging.getLogger("docking.jobs")


@dataclass
class Routines:
    uow: UnitOfWork
    platforms: Platforms
    settings: Settings
    clock: Clock
    holder: str
    deadlines: Deadlines
    # False until every platform's dispatch feed has been read once by this process (scheduler.Runtime): a full
    # pass before that reports every case not yet polled as missing_here (a fresh install: all of them).
    ready: Callable[[], bool] = lambda: True
    # The process's stop signal (scheduler/runtime.py): a reconciliation's read retries end their back-off on it.
    stopping: threading.Event | None = None
    _waiting_said: bool = field(default=False, init=False)

    def reconcile_open(self) -> bool:
        """The frequent pass: open cases only, safe repairs made (re-deliveries are dropped by a court that has
        them); a case the court does not know is re-sent only with `reconcile_resend_missing`."""
        seconds = self.settings.jobs.reconcile_seconds
        return self._once(
            "reconcile-open",
            interval_period(self.clock(), seconds),
            seconds,
            lambda: self._reconcile(
                Scope.OPEN,
                repair=self.settings.jobs.reconcile_repair,
                resend_missing=self.settings.jobs.reconcile_resend_missing,
            ),
        )

    def reconcile_nightly(self) -> bool:
        """The full pass, once per China-time day from `nightly_reconcile_at`: every case, and every case each
        platform lists. Checked hourly (and at start-up), so a day missed while every process was down, or a
        run killed part-way, is caught up rather than lost. Report only: closed cases a court has archived must
        not be re-sent wholesale; the frequent pass repairs open cases. Not before every platform's first poll
        (`ready`), or a fresh install would report every case the court has dispatched as missing here."""
        if not self.ready():
            if not self._waiting_said:
                self._waiting_said = True
                log.info("reconcile-nightly waits for the first poll of every platform")
            return False
        at = datetime.strptime(self.settings.jobs.nightly_reconcile_at, "%H:%M").time()
        now = self._china_now()
        day = now.date() if now.time() >= at else now.date() - timedelta(days=1)
        return self._once("reconcile-nightly", day.isoformat(), 3600, lambda: self._reconcile(Scope.FULL, repair=False))

    def sweep_deadlines(self) -> bool:
        seconds = self.settings.jobs.deadline_sweep_seconds
        period = interval_period(self.clock(), seconds)
        return self._once(
            "deadline-sweep",
            period,
            seconds,
            self._sweep,
        )

    def prune(self) -> bool:
        seconds = self.settings.jobs.prune_seconds
        retention = timedelta(days=self.settings.jobs.retention_days)
        return self._once(
            "prune",
            interval_period(self.clock(), seconds),
            seconds,
            lambda: prune(self.uow, self.clock(), retention, events_polled=not self.settings.events.urls),
        )

    def monthly_report(self) -> bool:
        """From the 1st at `monthly_report_at`: the previous China-time month's report, stored (monthly_reports)
        and its headline figures kept with the run. Checked hourly (and at start-up), so a 1st spent down is
        caught up."""
        at = datetime.strptime(self.settings.jobs.monthly_report_at, "%H:%M").time()
        now = self._china_now()
        first = now.date().replace(day=1)
        if now.date() == first and now.time() < at:
            first = (first - timedelta(days=1)).replace(day=1)  # this month's report is not due yet
        previous = (first - timedelta(days=1)).replace(day=1)
        return self._once("monthly-report", previous.strftime("%Y-%m"), 3600, lambda: self._report(previous))

    # ---- bodies

    def _sweep(self) -> dict[str, int]:
        """The cases' sweep, then the complaints' (adapter/deadlines/complaint_sweep.py) on the same calendar."""
        cases = sweep(self.uow, self.clock, self.deadlines)
        complaints = self.settings.complaints.deadlines
        return {**cases, **sweep_complaints(self.uow, self.clock, self.deadlines.calendar, complaints)}

    def _reconcile(self, scope: Scope, *, repair: bool, resend_missing: bool = False) -> dict[str, Any]:
        report = reconcile(
            self.uow,
            self.platforms,
            scope=scope,
            repair=repair,
            resend_missing=resend_missing,
            actor="scheduler",
            clock=self.clock,
            retrying=lambda: read_retrying(self.stopping),
        )
        return {"run": report.run_id, "checked": report.checked, "differences": len(report.differences)}

    def _report(self, month: date) -> dict[str, Any]:
        """The month's report (adapter/report/), stored in monthly_reports (refused whole if a label holds a
        personal number: the run fails and is tried again at the next hourly check, job_runs says why)."""
        report = monthly_report(self.uow, Month(month.year, month.month), self.settings, self.clock, self.deadlines)
        digest = store.save(self.uow, report)
        log.info("monthly report %s stored (sha256 %s)", report.month, digest)
        figures = {f.key: f.value if isinstance(f.value, int | None) else str(f.value) for f in report.headline()}
        return {"month": str(report.month), "sha256": digest, **figures}

    def _once(self, job: str, period: str, seconds: float, work: Callable[[], dict[str, Any] | None]) -> bool:
        # The lease outlives any sane run of the job; a holder killed mid-run is replaced after it.
        lease = timedelta(seconds=max(600.0, 2 * seconds))
        return once_per_period(self.uow, self.clock, job, period, self.holder, lease, work)

    def _china_now(self) -> datetime:
        return from_db(self.clock()).astimezone(CHINA)
