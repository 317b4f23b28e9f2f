"""A database outage in `docking run`, said once: one line when it starts, one when it ends, with a count.

Every job of `docking run` touches the database every few seconds, so without this an outage writes a traceback
per job run (494 for a 25 s PostgreSQL stop). The jobs are wrapped (`guard`): a database condition
(adapter/persistence/diagnosis.py) a job raises is counted here instead of reaching APScheduler's traceback, and code
that
catches errors itself (a poll's per-feed handler) reports through `failed`. The outage ends at the first job
run that has executed statements with no condition meanwhile; a job that did not reach the database (a check
that was not due) proves nothing. Anything that is not a condition — a constraint, a bug — is raised as before.
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from adapter.persistence.diagnosis import LOCKED, condition_of, database_label, detail_of

log = logging.getLogger("docking.database")


class DatabaseOutage:
    """Tracks whether `engine`'s database is failing; thread-safe (jobs run in a pool)."""

    def __init__(
        self,
        engine: Engine,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        remind_every: float = 600.0,
        waited: float = 0.0,
    ) -> None:
        """`waited`: how long a writer waits for a lock before it fails (database_busy_timeout_seconds): an outage
        of the LOCKED kind began that long before its first failure, and is measured from then."""
        self.database = database_label(engine.url)
        self._waited = waited
        self._monotonic = monotonic
        self._remind_every = remind_every  # a long outage is said again now and then, still not per attempt
        self._lock = threading.Lock()
        self._since: float | None = None  # when the current outage started; None while the database works
        self._said_at = 0.0
        self._failed = 0  # operations failed in the current outage
        self.failures = 0  # every failure since start-up, for the guard's "none meanwhile"
        self.statements = 0  # statements executed, for the guard's "reached the database"
        event.listen(engine, "after_cursor_execute", self._executed)

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, exc: BaseException, what: str) -> bool:
        """Count `exc` if it is a database condition (True), logging only when an outage starts; False if not."""
        cause = condition_of(exc)
        if cause is None:
            return False
        now = self._monotonic()
        with self._lock:
            self.failures += 1
            self._failed += 1
            if self._since is None:
                self._said_at = now
                self._since = now - (self._waited if cause is LOCKED else 0.0)  # the lock was taken that long ago
                log.error(
                    "database unavailable: %s — %s (%s, during %s); %s. The jobs keep retrying; one line will say "
                    "when it is back",
                    cause.name,
                    self.database,
                    detail_of(exc),
                    what,
                    cause.advice,
                )
            elif now - self._said_at >= self._remind_every:
                self._said_at = now
                log.error(
                    "database still unavailable after %.0f s: %s — %s; %d operation(s) failed so far",
                    now - self._since,
                    cause.name,
                    self.database,
                    self._failed,
                )
        return True

    def worked(self) -> None:
        """A job reached the database and nothing failed meanwhile: an outage, if any, is over."""
        with self._lock:
            if self._since is None:
                return
            log.warning(
                "database available again after %.0f s: %s; %d operation(s) failed meanwhile",
                self._monotonic() - self._since,
                self.database,
                self._failed,
            )
            self._since, self._failed = None, 0

    def guard(self, job: Callable[..., Any], what: str) -> Callable[..., None]:
        """`job` as a scheduler job: a database condition it raises is counted, not raised."""

        @wraps(job)
        def guarded(*args: Any, **kwargs: Any) -> None:
            failures, statements = self.failures, self.statements
            try:
                job(*args, **kwargs)
            except DatabaseError as exc:
                if not self.failed(exc, what):
                    raise
                return
            if self.failures == failures and self.statements > statements:
                self.worked()

        return guarded

    def _executed(self, *_: object) -> None:
        self.statements += 1  # a lost increment between threads only delays the "available again" line a period
