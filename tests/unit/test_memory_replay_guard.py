"""The sandbox's in-process replay guard forgets expired ids from a heap; it must answer as the map it replaced."""

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from signing.base import MemoryReplayGuard

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class MapGuard:
    """The guard as it was: one map, every expired entry dropped at most once a second (the reference)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], datetime] = {}
        self._pruned: datetime | None = None

    def first_sighting(self, scope: str, message_id: str, *, now: datetime, until: datetime) -> bool:
        if self._pruned is None or now - self._pruned >= timedelta(seconds=1):
            self._seen = {k: v for k, v in self._seen.items() if v > now}
            self._pruned = now
        expiry = self._seen.get((scope, message_id))
        if expiry is not None and expiry > now:
            return False
        self._seen[(scope, message_id)] = until
        return True


@pytest.mark.parametrize("seed", range(12))
def test_the_heap_answers_as_the_map_did_over_random_traffic(seed: int) -> None:
    """Ids repeated within and after their window, windows of 0 to 9 s (some already past), time standing still or
    moving by up to 1.5 s, two scopes sharing ids."""
    rng = random.Random(seed)
    heap_guard, map_guard = MemoryReplayGuard(), MapGuard()
    now = T0
    for _ in range(3000):
        now += timedelta(milliseconds=rng.choice([0, 0, 1, 50, 400, 1500]))
        scope = rng.choice(["court-a", "court-b"])
        message_id = f"m-{rng.randrange(20)}"
        until = now + timedelta(milliseconds=rng.randrange(-500, 9000))
        expected = map_guard.first_sighting(scope, message_id, now=now, until=until)
        assert heap_guard.first_sighting(scope, message_id, now=now, until=until) is expected


@pytest.mark.parametrize(
    ("sightings", "answers"),
    [
        ([("m", 0, 300)], [True]),
        ([("m", 0, 300), ("m", 299, 400)], [True, False]),  # inside its window: refused
        ([("m", 0, 300), ("m", 300, 400)], [True, True]),  # at its expiry: forgotten
        ([("m", 0, 300), ("m", 10, 900), ("m", 301, 1200)], [True, False, True]),  # a refusal does not extend it
        ([("m", 0, -5), ("m", 0, 300)], [True, True]),  # signed so long ago that its window has passed
        ([("m", 0, 300), ("n", 100, 200), ("n", 150, 400), ("m", 250, 400)], [True, True, False, False]),
    ],
    ids=["first", "within", "at-expiry", "refused-not-extended", "already-expired", "two-ids"],
)
def test_sightings(sightings: list[tuple[str, int, int]], answers: list[bool]) -> None:
    guard = MemoryReplayGuard()
    got = [
        guard.first_sighting("court", m, now=T0 + timedelta(seconds=at), until=T0 + timedelta(seconds=until))
        for m, at, until in sightings
    ]
    assert got == answers


def test_expired_ids_are_forgotten_so_memory_stays_bounded() -> None:
    guard = MemoryReplayGuard()
    for second in range(2000):
        now = T0 + timedelta(seconds=second)
        assert guard.first_sighting("court", f"m-{second}", now=now, until=now + timedelta(seconds=10))
    assert len(guard._seen) <= 11 and len(guard._expiries) <= 11


def test_threads_racing_on_one_id_see_it_first_once() -> None:
    guard, firsts, start = MemoryReplayGuard(), [], threading.Barrier(8)

    def sight() -> None:
        start.wait()
        if guard.first_sighting("court", "m-1", now=T0, until=T0 + timedelta(minutes=5)):
            firsts.append(1)

    threads = [threading.Thread(target=sight) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert firsts == [1]
