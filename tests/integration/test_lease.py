"""Short leases renewed while work is in progress (#14): a live worker keeps its claim through a slow court, a hung
one loses it, a stopping one gives it back — and a stale worker still never overwrites a result."""

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from adapter.job_locks import JobLock
from adapter.lease import Renewal
from adapter.outbox.claim import claim
from adapter.outbox.delivery import deliver_due
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow
from adapter.platforms.registry import PlatformLink
from connectors.fake import FakeCourtPlatform
from schemas.clock import utc_now
from schemas.envelope import Envelope
from signing.jws import JwsVerifier
from tests.support.cases import pending_cases

pytestmark = pytest.mark.integration


LEASE = timedelta(seconds=0.3)


class SlowCourt(FakeCourtPlatform):
    """Each send takes `seconds` (a slow court), or waits for `release` (a hung one)."""

    def __init__(self, seconds: float = 0.0, release: threading.Event | None = None) -> None:
        super().__init__("court")
        self.seconds, self.release = seconds, release

    def send(self, envelope: Envelope):  # type: ignore[no-untyped-def]
        if self.release is not None:
            self.release.wait(5)
        time.sleep(self.seconds)
        return super().send(envelope)


def _rows(uow: UnitOfWork) -> Sequence[OutboxRow]:
    with uow.begin() as session:
        return session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()


@pytest.mark.parametrize(
    ("steps", "stalled", "renewed"),
    [
        (True, False, True),  # the holder moves on: its lease is kept
        (False, True, False),  # stuck on one step past the slowest it may take: left to lapse
    ],
    ids=["moving", "stuck"],
)
def test_a_renewal_keeps_the_lease_only_while_its_holder_moves(steps: bool, stalled: bool, renewed: bool) -> None:
    """Renewed every third of the lease while steps come; a holder stalled past `stall` is not renewed."""
    calls: list[float] = []
    now = [0.0]  # the holder's monotonic clock, moved by the test
    with Renewal(
        lambda: calls.append(now[0]), lease=LEASE, stall=timedelta(seconds=10), name="test", monotonic=lambda: now[0]
    ) as renewal:
        for _ in range(5):
            now[0] += 100.0 if stalled else 1.0  # a stuck holder's one step outlasts the stall bound
            if steps:
                renewal.step()
            time.sleep(0.1)
    ended = len(calls)
    time.sleep(0.25)
    assert (ended >= 3) is renewed and (ended == 0) is not renewed
    assert len(calls) == ended  # nothing renewed once the work is over


def test_a_renewal_that_fails_is_said_once_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    """The database down: one warning, the renewals go on being tried (the lease may lapse, safely)."""
    tries: list[int] = []

    def down() -> None:
        tries.append(1)
        raise OSError("database unreachable")

    with (
        caplog.at_level(logging.WARNING, "docking.lease"),
        Renewal(down, lease=LEASE, stall=timedelta(seconds=10), name="outbox claim") as renewal,
    ):
        for _ in range(4):
            renewal.step()
            time.sleep(0.1)
    assert renewal.failures == len(tries) >= 3
    assert [r.getMessage() for r in caplog.records].count(
        "lease outbox claim: cannot renew it (OSError); another worker may take the work over"
    ) == 1


def test_a_batch_slower_than_its_lease_stays_with_its_worker(uow: UnitOfWork) -> None:
    """Three sends of 0.8 s under a 0.6 s lease: another worker claiming meanwhile gets nothing, each message
    is sent once, and every result is recorded (no lease lost)."""
    pending_cases(uow, 3)
    court = SlowCourt(seconds=0.8)
    platforms = {"court": PlatformLink(court, JwsVerifier({}), breaker=None)}
    taken: list[int] = []

    def other_worker() -> None:
        for _ in range(9):
            time.sleep(0.25)
            taken.append(len(claim(uow, utc_now, limit=10, owner_lease=LEASE, token="worker-b")))

    thief = threading.Thread(target=other_worker)
    thief.start()
    counts = deliver_due(uow, platforms, utc_now, lease=2 * LEASE, max_rounds=1)  # renewed every 0.2 s
    thief.join()
    assert counts == Counter(delivered=3) and sum(taken) == 0
    assert len(court.sent) == 3 and {r.status for r in _rows(uow)} == {"delivered"}


def test_a_hung_worker_loses_its_claim_and_cannot_overwrite_the_result(uow: UnitOfWork) -> None:
    """A send stuck past `slowest`: the lease lapses, another worker delivers, the hung one's late result is
    not recorded (the claim token no longer matches)."""
    pending_cases(uow, 1)
    release = threading.Event()
    hung = SlowCourt(release=release)
    outcome: list[Counter[str]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(
            deliver_due(
                uow,
                {"court": PlatformLink(hung, JwsVerifier({}), breaker=None)},
                utc_now,
                lease=LEASE,
                slowest=timedelta(seconds=0.1),
                max_rounds=1,
            )
        )
    )
    worker.start()
    time.sleep(0.6)  # past the stall bound and the lease: no longer renewed
    healthy = FakeCourtPlatform("court")
    assert deliver_due(uow, {"court": PlatformLink(healthy, JwsVerifier({}), breaker=None)}, utc_now) == Counter(
        delivered=1
    )
    release.set()
    worker.join()
    assert outcome == [Counter(lease_lost=1)]
    (row,) = _rows(uow)
    assert row.status == "delivered" and row.claimed_by is None


def test_a_clean_stop_gives_back_the_rest_of_the_claim(uow: UnitOfWork) -> None:
    """Stopping after the first send: that result is recorded, the other rows are free for any worker at once."""
    pending_cases(uow, 3)
    court = FakeCourtPlatform("court")
    sent = iter([True, True])  # asked before the claim, then before each send: stop before the second
    counts = deliver_due(
        uow,
        {"court": PlatformLink(court, JwsVerifier({}), breaker=None)},
        utc_now,
        keep_going=lambda: next(sent, False),
        max_rounds=1,
    )
    assert counts == Counter(delivered=1)
    rows = _rows(uow)
    assert [r.status for r in rows] == ["delivered", "pending", "pending"]
    assert [(r.claimed_by, r.claimed_until) for r in rows[1:]] == [(None, None), (None, None)]
    assert len(claim(uow, utc_now, limit=10, token="next")) == 2


def test_a_poll_lock_is_renewed_only_by_its_holder(uow: UnitOfWork) -> None:
    """`renew` extends the holder's lease and never takes a lock over, even an expired one."""
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    mine = JobLock(uow, lambda: now, "poll:court", "A", LEASE)
    theirs = JobLock(uow, lambda: now + timedelta(seconds=5), "poll:court", "B", LEASE)
    assert theirs.renew() is False  # no lock yet
    assert mine.acquire() and mine.renew()
    assert theirs.renew() is False  # expired for B's clock, but renewing is not taking over
    assert theirs.acquire() and mine.renew() is False
