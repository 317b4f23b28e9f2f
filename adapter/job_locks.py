"""Singleton jobs across several `docking run` processes sharing one database.

Every process runs its own APScheduler (a shared APScheduler job store would make one scheduler's clock and
pickled jobs everyone's problem); the database decides who actually works:

- `once_per_period`: reconcile, the deadline sweep, pruning and the monthly report run once per period. The
  first process to insert (job, period) into `job_runs` runs it; the unique key turns every other process away.
  A run still `running` after its lease is presumed dead (process killed), and a `failed` run is retried: the
  next trigger in the same period takes either over.
- `JobLock`: a platform's polling has no period but must not run twice at once (two pollers would fetch the
  same page and race on the cursor); a lease row says who polls now, taken by each run of its holder and
  renewed while that run lasts (adapter/lease.py), short enough that a killed holder's successor polls within
  seconds, and released on a clean stop.
"""

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import JobLockRow, JobRunRow, JobRunStatus
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.jobs")


def process_holder() -> str:
    """host:pid:token — the token tells apart two processes that reuse a pid after a restart."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def interval_period(now: datetime, seconds: float) -> str:
    """The period a run at `now` belongs to: whole intervals since the epoch, the same in every process."""
    return f"i{int(to_utc(now).timestamp() // seconds)}"


def once_per_period(
    uow: UnitOfWork,
    clock: Clock,
    job: str,
    period: str,
    holder: str,
    lease: timedelta,
    work: Callable[[], dict[str, Any] | None],
) -> bool:
    """Run `work` if no process has run (or is running) `job` for `period`; True if this process ran it."""
    if not _claim(uow, clock, job, period, holder, lease):
        return False
    status, detail = JobRunStatus.OK, ""
    try:
        result = work()
        detail = json.dumps(result or {}, ensure_ascii=False, default=str)
    except Exception as exc:  # recorded, then the scheduler's job wrapper logs it; the next period runs anew
        status, detail = JobRunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        with uow.begin() as session:
            session.exec(
                update(JobRunRow)
                .where(col(JobRunRow.job) == job, col(JobRunRow.period) == period, col(JobRunRow.holder) == holder)
                .values(status=status, finished_at=to_utc(clock()), detail=detail)
            )
    return True


def _claim(uow: UnitOfWork, clock: Clock, job: str, period: str, holder: str, lease: timedelta) -> bool:
    now = to_utc(clock())
    try:
        with uow.begin() as session:
            session.add(
                JobRunRow(job=job, period=period, holder=holder, started_at=now, lease_until=now + lease, detail="")
            )
        return True
    except IntegrityError:
        pass
    # Someone has the period. Take it over only from a holder that died mid-run (lease passed, still running),
    # or from a run that failed: a failed nightly reconcile or monthly report is tried again, not lost.
    with uow.begin() as session:
        taken = session.exec(
            update(JobRunRow)
            .where(
                col(JobRunRow.job) == job,
                col(JobRunRow.period) == period,
                or_(
                    col(JobRunRow.status) == JobRunStatus.FAILED,
                    and_(col(JobRunRow.status) == JobRunStatus.RUNNING, col(JobRunRow.lease_until) < now),
                ),
            )
            .values(
                holder=holder, started_at=now, lease_until=now + lease, status=JobRunStatus.RUNNING, finished_at=None
            )
        )
        if taken.rowcount:
            log.warning("job %s %s: running again (the last run failed or its process died)", job, period)
            return True
    return False


# Built once: asked before every feed page a poll reads (adapter/inbox/poll_policy.py), a statement built per call
# cost more CPU than the lease's update itself (~0.6 ms).
_LOCKS = JobLockRow.__table__  # type: ignore[attr-defined]
_WHEN = _LOCKS.c.lease_until.type
_UNTIL = bindparam("until", type_=_WHEN)
_TAKE = (
    update(_LOCKS)
    .where(
        _LOCKS.c.name == bindparam("of_name"),
        or_(_LOCKS.c.holder == bindparam("by"), _LOCKS.c.lease_until <= bindparam("now", type_=_WHEN)),
    )
    .values(holder=bindparam("by"), lease_until=_UNTIL)
)
_HELD = select(_LOCKS.c.name).where(_LOCKS.c.name == bindparam("of_name"))
_CREATE = insert(_LOCKS).values(name=bindparam("of_name"), holder=bindparam("by"), lease_until=_UNTIL)


class JobLock:
    """A renewable lease on `name`; `acquire()` is True while this holder may run the job."""

    def __init__(self, uow: UnitOfWork, clock: Clock, name: str, holder: str, lease: timedelta) -> None:
        self.uow, self.clock, self.name, self.holder, self.lease = uow, clock, name, holder, lease

    def acquire(self) -> bool:
        """Take or renew the lease, each in a transaction of its own: renewed if this holder has it, taken over if
        its lease has passed, created if nobody ever held it; False while another holder's lease runs.

        On a connection of the engine, not an ORM session: the same statements and transactions (a SQLite writer
        still queues and BEGINs IMMEDIATE: adapter/persistence/engine.py), without a session's set-up and events,
        which nothing here needs (no rows of the audit chain) — asked before every page, a session cost ~2/3 of it.
        """
        now = to_utc(self.clock())
        taken = {"of_name": self.name, "by": self.holder, "now": now, "until": now + self.lease}
        with self.uow.engine.begin() as connection:
            if connection.execute(_TAKE, taken).rowcount:
                return True
            if connection.execute(_HELD, taken).first() is not None:
                return False  # held by a live process
        try:
            with self.uow.engine.begin() as connection:
                connection.execute(_CREATE, taken)
            return True
        except IntegrityError:
            return False  # another process created it first

    def renew(self) -> bool:
        """Extend the lease only if this holder still has it (a renewal never takes a lock over)."""
        now = to_utc(self.clock())
        with self.uow.begin() as session:
            renewed = session.exec(
                update(JobLockRow)
                .where(col(JobLockRow.name) == self.name, col(JobLockRow.holder) == self.holder)
                .values(lease_until=now + self.lease)
            )
            return bool(renewed.rowcount)

    def release(self) -> None:
        """Let another process take over at once (on shutdown), instead of after the lease."""
        with self.uow.begin() as session:
            session.exec(
                update(JobLockRow)
                .where(col(JobLockRow.name) == self.name, col(JobLockRow.holder) == self.holder)
                .values(lease_until=to_utc(self.clock()))
            )
