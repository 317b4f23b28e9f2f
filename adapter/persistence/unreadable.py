"""Rows a job cannot read — sealed under a data key this process does not hold — reported once, counted, skipped.

A job meets the same row every run (the deadline sweep every few minutes): one ERROR line per row and condition
per process, naming the row by id and the key it lacks, never a value (PIPL Art 28, domain.md §4). The job keeps
going with the other rows and counts the skipped ones in its stored result (`unreadable: N`), so `job_runs`
shows the problem too. Which exception marks such a row: adapter/persistence/vault.py VaultError, caught at each
job's row
boundary — nothing broader, so a bug still fails the run loudly.
"""

import logging
import threading

from adapter.persistence.vault import VaultError

log = logging.getLogger("docking.unreadable")

_ADVICE = {
    VaultError.UNKNOWN_KEY: "restart this process with data key {key} in [encryption.keys] (README: data keys)",
    VaultError.NO_KEYS: "configure [encryption] with data key {key} and restart (README: data keys)",
    VaultError.DOES_NOT_OPEN: "check that data key {key} is the same key everywhere; the value may be damaged",
}


class UnreadableRows:
    """Which (job, row, condition, key) this process has already reported; thread-safe (jobs run in threads)."""

    def __init__(self) -> None:
        self._said: set[tuple[str, str, str, str]] = set()
        self._lock = threading.Lock()

    def report(self, job: str, row: str, error: VaultError, *, outcome: str = "skipped") -> None:
        """Log `row` (e.g. "case MC-…", "message M-…") and what `job` did with it, once per row and condition."""
        key = error.key_id or "?"
        seen = (job, row, error.condition, key)
        with self._lock:
            if seen in self._said:
                return
            self._said.add(seen)
        advice = _ADVICE.get(error.condition, _ADVICE[VaultError.DOES_NOT_OPEN]).format(key=key)
        log.error("%s: %s %s, data key %s: %s; %s", job, row, outcome, key, error, advice)

    def forget(self) -> None:
        """Report everything again (tests; a long-lived process never needs it)."""
        with self._lock:
            self._said.clear()


# One per process: "once" means once for this process, whichever run of whichever job met the row first.
REPORTED = UnreadableRows()
