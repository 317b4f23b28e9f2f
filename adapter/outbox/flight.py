"""Messages in flight: one delivery run keeping up to `in_flight` sends per platform going at once, never two of
one case, recording their results from the worker's own thread.

Why threads, not asyncio: the connectors are blocking (requests for REST, zeep for SOAP), and a send is mostly
waiting on the court — which a thread does without holding the GIL. A bounded pool per platform (SendPools) sends;
everything else stays on the worker's thread: the claim, the lease's renewal (its own thread, adapter/lease.py),
and every database write (one writer per worker process: SQLite's rule, and PostgreSQL's fewer round trips). asyncio
would need async twins of both connectors, their signing and the retry layer for the same effect.

Per-case order holds exactly as before, by construction: a claim never holds two rows of one case (a row is
claimable only when no earlier row of its case is pending: adapter/outbox/claim.py), and a row stays pending until
its result is recorded, so the next message of a case is claimed only after the one before it was recorded as
delivered. A row claimed again by this worker while its case is still in flight here (possible only after a send
stuck past `slowest` lost its lease) is given back unsent.

Leases: every row held (claimed, not yet recorded) is renewed from the lease thread, except one whose send has run
past `slowest` (a hung call): its lease lapses, another worker takes it, and the late result is refused by the
claim token (adapter/outbox/record.py), as before. A clean stop (`keep_going()` false) sends nothing more, lets the
sends in flight finish and records them, and gives back the rows not yet sent.
"""

import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import timedelta

import structlog
from tenacity import Retrying

from adapter.outbox.claim import claim_in, release, renew
from adapter.outbox.claimed import Claimed
from adapter.outbox.record import DeliveryResult, Result, record, record_in
from adapter.outbox.send import deliver_one
from adapter.outbox.senders import SendPools
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import Platforms
from schemas.clock import Clock

# Results are written in one transaction per this many, or once the oldest has waited this long (seconds): a
# transaction per message would cost more than its send, and a successor waits for its predecessor's record. 50 ms,
# not 20: a record transaction has a fixed cost (~1 ms of CPU across worker and server), and a time bound alone
# shrinks the batches exactly when the workers are busiest — two workers on two cores each send slower, so 20 ms
# held ~12 results instead of ~16 and the transactions per message grew with the second worker (#21, pg_scaling);
# the price is up to 30 ms more before a case's next message can be claimed.
RECORD_BATCH = 32
RECORD_AFTER = 0.05
TICK = 0.05  # the longest the worker's thread waits for a send to end before it looks around again


Observe = Callable[[str, str, float], None]


class Flight:
    """One run's rows: claimed and queued per platform, sending, or sent and waiting to be recorded."""

    def __init__(
        self,
        uow: UnitOfWork,
        platforms: Platforms,
        clock: Clock,
        pools: SendPools,
        *,
        retrying: Callable[[], Retrying],
        jitter: Callable[[], float],
        lease: timedelta,
        slowest: timedelta,
        observe: Observe,
    ) -> None:
        self.uow, self.platforms, self.clock, self.pools = uow, platforms, clock, pools
        self.retrying, self.jitter, self.lease, self.observe = retrying, jitter, lease, observe
        self.slowest = slowest.total_seconds()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()  # held, started: read by the lease thread
        # A renewal and a record never run at once: both UPDATE this run's rows, each in its own transaction, and
        # on PostgreSQL two such transactions locking the same rows in different orders deadlock (one would fail).
        self._writing = threading.Lock()
        self.held: dict[str, Claimed] = {}  # claimed by this run, result not yet recorded
        self.started: dict[str, float] = {}  # message id → monotonic time its send began (while it runs)
        self.cases: set[str] = set()  # the cases of the rows held: never two of one case
        self.queued: dict[str, deque[Claimed]] = {}  # per platform, claimed and not yet sent
        self.running: Counter[str] = Counter()  # sends under way, per platform
        self.done: queue.SimpleQueue[tuple[Claimed, Result | BaseException, float]] = queue.SimpleQueue()
        self.results: list[Result] = []
        self.first_result_at = 0.0
        self.freed = False  # a recorded delivery may have made a case's next message claimable

    # ---- the lease thread

    def renew(self) -> None:
        """Renew every row held, but one whose send has run past `slowest` (left to lapse); one UPDATE per claim."""
        now = time.monotonic()
        with self._lock:
            live = [r for r in self.held.values() if now - self.started.get(r.message_id, now) <= self.slowest]
        with self._writing:
            for rows in _by_claim(live).values():
                renew(self.uow, rows, self.clock() + self.lease)

    # ---- the worker's thread

    def claim(self, limit: int) -> list[Claimed]:
        """Record the results waiting (if any), then claim up to `limit` more rows and queue them by platform, in
        one transaction (one BEGIN and COMMIT, not two, and a delivered case's next message is claimable at once);
        returns the rows taken on. Should it fail, neither is written, as when a record alone fails: the leases
        lapse, and the court answers the re-sends as duplicates."""
        results, self.results = self.results, []
        with self._writing, self.uow.begin() as session:  # _writing: the record locks rows a renewal updates
            recorded = record_in(session, results, self.clock)
            rows = claim_in(session, self.clock, limit=limit, owner_lease=self.lease, counts=self.counts)
        self._recorded(results, recorded)
        again = [row for row in rows if row.case_id in self.cases]  # its case is still in flight here (see above)
        if again:
            release(self.uow, again)
        taken = [row for row in rows if row.case_id not in self.cases]
        with self._lock:
            for row in taken:
                self.held[row.message_id] = row
                self.cases.add(row.case_id)
                self.queued.setdefault(row.platform, deque()).append(row)
        return taken

    def slots(self, platform: str) -> int:
        link = self.platforms.get(platform)
        return link.in_flight if link is not None else 1

    def start(self, row: Claimed) -> None:
        """Send `row`: on its platform's pool, or on this thread when the platform takes one at a time."""
        self.running[row.platform] += 1
        size = self.slots(row.platform)
        if size == 1:
            self._send(row)
        else:
            self.pools.pool(row.platform, size).submit(self._send, row)

    def _send(self, row: Claimed) -> None:
        with self._lock:
            self.started[row.message_id] = time.monotonic()
        began = time.perf_counter()
        outcome: Result | BaseException
        try:
            with structlog.contextvars.bound_contextvars(
                platform=row.platform, case_id=row.case_id, message_id=row.message_id
            ):
                outcome = deliver_one(self.platforms, self.clock, row, self.retrying(), self.jitter)
        except BaseException as exc:  # deliver_one keeps a connector's failures; this is our own bug
            outcome = exc
        self.done.put((row, outcome, time.perf_counter() - began))

    def collect(self, timeout: float) -> None:
        """Take the sends that have ended (waiting up to `timeout` seconds for the first)."""
        try:
            item = self.done.get(timeout=timeout) if timeout > 0 else self.done.get_nowait()
        except queue.Empty:
            return
        while True:
            row, outcome, seconds = item
            self.running[row.platform] -= 1
            with self._lock:
                self.started.pop(row.message_id, None)
            if isinstance(outcome, BaseException):
                self.record()
                raise outcome
            self.observe(row.platform, outcome.outcome.value, seconds)
            if not self.results:
                self.first_result_at = time.monotonic()
            self.results.append(outcome)
            try:
                item = self.done.get_nowait()
            except queue.Empty:
                return

    def record_due(self) -> bool:
        return bool(self.results) and (
            len(self.results) >= RECORD_BATCH
            or time.monotonic() - self.first_result_at >= RECORD_AFTER
            or not (any(self.running.values()) or any(self.queued.values()))  # nothing else to wait for
        )

    def record(self) -> None:
        if not self.results:
            return
        results, self.results = self.results, []
        with self._writing:
            recorded = record(self.uow, results, self.clock)
        self._recorded(results, recorded)

    def _recorded(self, results: list[Result], recorded: Counter[str]) -> None:
        """The results just committed leave the run: their cases may send their next message."""
        if not results:
            return
        self.counts.update(recorded)
        self.freed = self.freed or bool(recorded[DeliveryResult.DELIVERED] or recorded[DeliveryResult.DUPLICATE])
        with self._lock:
            for result in results:
                self.held.pop(result.row.message_id, None)
                self.cases.discard(result.row.case_id)

    def give_back(self) -> None:
        """A clean stop: the rows not yet sent go back for any worker to claim at once."""
        rows = [row for rows in self.queued.values() for row in rows]
        self.queued.clear()
        for claimed in _by_claim(rows).values():  # one statement per claim: each has its own token
            release(self.uow, claimed)
        with self._lock:
            for row in rows:
                self.held.pop(row.message_id, None)
                self.cases.discard(row.case_id)


def _by_claim(rows: list[Claimed]) -> dict[str | None, list[Claimed]]:
    """Rows grouped by the claim that took them (its token): claim.py's renew and release act on one claim."""
    claims: dict[str | None, list[Claimed]] = {}
    for row in rows:
        claims.setdefault(row.claimed_by, []).append(row)
    return claims
