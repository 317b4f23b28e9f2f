"""`JobLock.acquire` on an engine connection (adapter/job_locks.py) against the ORM session it replaced: the same
answers and the same lease rows for every step of varied histories of holders and clocks, and under real races
(two engines, as two processes would have) exactly one winner — on SQLite and on PostgreSQL."""

import random
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select, update

from adapter.job_locks import JobLock
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.tables import JobLockRow
from schemas.clock import from_db, to_utc

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class _SessionLock(JobLock):
    """The ORM-session `acquire` as it was before (commit r-intakecpu 9eba036), to compare with."""

    def acquire(self) -> bool:
        now = to_utc(self.clock())
        with self.uow.begin() as session:
            renewed = session.exec(
                update(JobLockRow)
                .where(
                    JobLockRow.name == self.name,  # type: ignore[arg-type]
                    (JobLockRow.holder == self.holder) | (JobLockRow.lease_until <= now),  # type: ignore[arg-type]
                )
                .values(holder=self.holder, lease_until=now + self.lease)
            )
            if renewed.rowcount:
                return True
            if session.exec(select(JobLockRow.name).where(JobLockRow.name == self.name)).first() is not None:
                return False
        try:
            with self.uow.begin() as session:
                session.add(JobLockRow(name=self.name, holder=self.holder, lease_until=now + self.lease))
            return True
        except IntegrityError:
            return False


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _row(uow: UnitOfWork, name: str) -> tuple[str, datetime] | None:
    with uow.begin() as session:
        row = session.get(JobLockRow, name)
        return None if row is None else (row.holder, from_db(row.lease_until))


# Steps: (holder, what it does, seconds the clock moves first). The edges: the lease's last instant (still held),
# exactly its end (`<=`: free), a holder back after losing it, a release, names that differ only by case or that are
# not ASCII, a holder name at its 80 characters.
HISTORIES: dict[str, list[tuple[str, str, float]]] = {
    "first-and-refused": [("A", "acquire", 0), ("B", "acquire", 0), ("A", "acquire", 1), ("B", "acquire", 10)],
    "lapse-at-the-edge": [
        ("A", "acquire", 0),
        ("B", "acquire", 29.999999),
        ("B", "acquire", 0.000001),
        ("A", "acquire", 0),
        ("A", "renew", 1),
    ],
    "renewed-in-time": [("A", "acquire", 0), ("A", "acquire", 29), ("B", "acquire", 29), ("B", "acquire", 2)],
    "release-hands-over": [("A", "acquire", 0), ("A", "release", 1), ("B", "acquire", 0), ("A", "acquire", 0)],
    "stale-holder": [
        ("A", "acquire", 0),
        ("B", "acquire", 31),
        ("A", "acquire", 0),
        ("A", "renew", 0),
        ("B", "renew", 5),
        ("A", "acquire", 40),
    ],
    "clock-behind": [("A", "acquire", 0), ("B", "acquire", -60), ("A", "acquire", -1), ("B", "acquire", 200)],
    "long-holder": [("H" * 80, "acquire", 0), ("Hx", "acquire", 5), ("H" * 80, "acquire", 30)],
}
NAMES = ["poll:court", "poll:COURT", "poll:广州中院", "p" * 64]


def _run(
    lock_type: type[JobLock], uow: UnitOfWork, name: str, history: Sequence[tuple[str, str, float]]
) -> list[tuple[object, tuple[str, datetime] | None]]:
    clock, seen = _Clock(), []
    for holder, action, seconds in history:
        clock.now += timedelta(seconds=seconds)
        answer = getattr(lock_type(uow, clock, name, holder, LEASE), action)()
        seen.append((answer, _row(uow, name)))
    return seen


@pytest.mark.parametrize("history", HISTORIES)
def test_acquire_answers_and_writes_as_the_session_did(uow: UnitOfWork, history: str) -> None:
    for name in NAMES:
        new = _run(JobLock, uow, name, HISTORIES[history])
        old = _run(_SessionLock, uow, name + "~" if len(name) < 64 else name[:-1] + "~", HISTORIES[history])
        assert new == old, (history, name)
        assert any(answer is True for answer, _ in new) and any(row is not None for _, row in new)


def test_random_histories_answer_as_the_session_did(uow: UnitOfWork) -> None:
    pick = random.Random(21)
    for case in range(12):
        actions = ["acquire"] * 4 + ["renew", "release"]
        history = [
            (pick.choice("ABC"), pick.choice(actions), pick.choice([0.0, 1, 15, 29, 30, 31, 45])) for _ in range(15)
        ]
        assert _run(JobLock, uow, f"poll:{case}", history) == _run(_SessionLock, uow, f"poll:{case}~", history)


@pytest.fixture
def two_engines(database_url: str) -> Iterator[tuple[UnitOfWork, UnitOfWork]]:
    """Two engines on one database, as two `docking run` processes have (on SQLite: apart from this process's
    writer queue, only SQLite's own lock keeps them apart)."""
    first, second = make_engine(database_url), make_engine(database_url)
    create_schema(first)
    yield UnitOfWork(first), UnitOfWork(second)
    first.dispose()
    second.dispose()


def _race(uows: tuple[UnitOfWork, UnitOfWork], clocks: tuple[_Clock, _Clock], name: str) -> list[bool]:
    locks = [JobLock(uow, clock, name, holder, LEASE) for uow, clock, holder in zip(uows, clocks, "AB", strict=True)]
    start, answers = threading.Barrier(2), [False, False]

    def run(i: int) -> None:
        start.wait()
        answers[i] = locks[i].acquire()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_processes_racing_for_a_new_or_a_lapsed_lease_one_wins(two_engines: tuple[UnitOfWork, UnitOfWork]) -> None:
    clocks = (_Clock(), _Clock())
    for round_ in range(15):
        name = f"poll:race{round_}"
        assert sorted(_race(two_engines, clocks, name)) == [False, True], "a lease nobody held"
        winner = _row(two_engines[0], name)
        assert winner is not None and winner[1] == T0 + LEASE
        for clock in clocks:
            clock.now = T0 + LEASE  # its last instant gone: free for both, and both ask at once
        answers = _race(two_engines, clocks, name)
        assert sorted(answers) == [False, True], "a lapsed lease"
        after = _row(two_engines[0], name)
        assert after is not None and after == ("AB"[answers.index(True)], T0 + 2 * LEASE)
        for clock in clocks:
            clock.now = T0
