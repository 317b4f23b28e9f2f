"""The APScheduler jobs of a runtime: which run, how often, with which ids, and how a database outage is said.

Every process registers every job; the singleton jobs (adapter/routines.py) decide in the database who runs each
period.
"""

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from adapter import heartbeats
from scheduler import alerts, audit, centre_events, complaints, partners
from scheduler.job_context import bound
from scheduler.runtime import Runtime


def _scheduler_now() -> datetime:
    """The present on APScheduler's timeline, which is the wall clock (its triggers and misfire grace are
    reckoned in it) whatever clock the runtime was given: a fake clock's present would be a run time days in the
    past or the future."""
    return datetime.now(UTC)


def register_jobs(scheduler: BaseScheduler, runtime: Runtime, *, speed: float = 1.0) -> None:
    """Fixed job ids, one instance at a time, coalesced, a misfire grace from the settings (APScheduler's default
    of one second would silently drop a run delayed by a busy process); `speed` shortens every interval (demo).

    Every process registers every job; the singleton jobs decide in the database who runs each period."""
    jobs = runtime.settings.jobs
    common: dict[str, Any] = {
        "max_instances": 1,
        "coalesce": True,
        "misfire_grace_time": jobs.misfire_grace_seconds,
        "replace_existing": True,
    }
    now = {"next_run_time": _scheduler_now()}  # first run at start-up, not one interval later

    def guarded(job: Callable[..., Any], what: str, job_id: str) -> Callable[..., Any]:
        # A database outage is said when it starts and ends, not as a traceback per run (adapter/persistence/outage.py);
        # every line the run writes carries its job id (scheduler/job_context.py).
        return bound(job if runtime.database is None else runtime.database.guard(job, what), job_id)

    for name, config in runtime.settings.platforms.items():
        if config.mode == "push":  # its court pushes its items (api/court.py): never polled, never waited for
            runtime.polling.first_polls.mark(name)
            continue
        scheduler.add_job(
            guarded(runtime.poll_platform, f"polling {name}", f"poll:{name}"),
            "interval",
            args=[name],
            id=f"poll:{name}",
            seconds=config.poll_seconds / speed,
            **common,
            **now,
        )
    scheduler.add_job(
        guarded(runtime.deliver, "delivery", "deliver"),
        "interval",
        id="deliver",
        seconds=runtime.settings.deliver_seconds / speed,
        **common,
        **now,
    )
    centre_events.register(scheduler, runtime.settings, runtime.uow, runtime.clock, {**common, **now}, speed)
    alerts.register(scheduler, runtime.settings, runtime.uow, runtime.clock, {**common, **now}, speed, guarded)
    audit.register(scheduler, runtime.settings, runtime.uow, runtime.clock, {**common, **now}, speed, guarded)
    if runtime.complaints is not None:
        complaints.register(scheduler, runtime.complaints, {**common, **now}, speed, guarded)
    if runtime.partners is not None:
        partners.register(scheduler, runtime.partners, {**common, **now}, speed, guarded)
    period = heartbeats.PERIOD.total_seconds() / speed
    scheduler.add_job(
        guarded(runtime.heartbeat, "heartbeat", "heartbeat"),
        "interval",
        args=[period],
        id="heartbeat",
        seconds=period,
        **common,
        **now,
    )
    routines = runtime.routines
    if routines is None:
        return
    every = [
        ("reconcile-open", routines.reconcile_open, jobs.reconcile_seconds),
        ("deadline-sweep", routines.sweep_deadlines, jobs.deadline_sweep_seconds),
        ("prune", routines.prune, jobs.prune_seconds),
        # The nightly full pass and the monthly report are checked hourly (and at start-up); each runs once for
        # its period (the day from nightly_reconcile_at, the month from the 1st at monthly_report_at), so a run
        # missed while every process was down, or killed part-way, is caught up rather than lost.
        ("reconcile-nightly", routines.reconcile_nightly, 3600.0),
        ("monthly-report", routines.monthly_report, 3600.0),
    ]
    for job_id, func, seconds in every:
        scheduler.add_job(
            guarded(func, job_id, job_id), "interval", id=job_id, seconds=seconds / speed, **common, **now
        )

    # The full pass waits for every platform's first poll (Runtime.feeds_read); run its check as soon as they
    # are in rather than at the next hourly check.
    def hurry() -> None:
        with contextlib.suppress(JobLookupError):  # a scheduler shutting down has removed it: nothing to hurry
            scheduler.modify_job("reconcile-nightly", next_run_time=_scheduler_now())

    def run_nightly_check_now() -> None:
        # Not waited for without a bound: shutdown(wait=True) holds the job-store lock while it waits for the
        # running jobs, so a polling job calling modify_job during a stop would wait for it forever (APScheduler
        # 3) and `docking run` would hang on SIGTERM. A daemon thread left waiting does not keep the process up.
        helper = threading.Thread(target=hurry, name="hurry-nightly", daemon=True)
        helper.start()
        helper.join(timeout=2.0)

    runtime.polling.first_polls.on_all_read = run_nightly_check_now
