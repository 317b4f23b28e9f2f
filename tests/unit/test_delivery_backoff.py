"""The outbox retry schedule: exponential backoff with full jitter, capped, as a pure function of its inputs."""

import itertools
import random

import pytest

from adapter.platforms.retry import backoff


@pytest.mark.parametrize(("attempts", "expected"), [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (10, 1024.0)])
def test_full_jitter_ceiling_doubles_per_attempt_from_base(attempts: int, expected: float) -> None:
    """With the jitter at its maximum, the wait is base × 2^(attempts − 1)."""
    assert backoff(attempts, base=2.0, cap=3600.0, rng=lambda: 1.0) == expected


def test_each_attempt_waits_twice_as_long_as_the_one_before() -> None:
    """Below the cap, consecutive attempts double, whatever the base."""
    waits = [backoff(n, base=0.5, cap=10_000.0, rng=lambda: 1.0) for n in range(1, 9)]
    assert waits[0] == 0.5
    assert all(later == 2 * earlier for earlier, later in itertools.pairwise(waits))


@pytest.mark.parametrize("attempts", [12, 13, 50, 1000])
def test_wait_is_capped(attempts: int) -> None:
    """Once base × 2^(n−1) exceeds the cap, the ceiling is the cap itself."""
    assert backoff(attempts, base=2.0, cap=3600.0, rng=lambda: 1.0) == 3600.0


def test_first_attempt_beyond_the_cap_is_capped() -> None:
    """A base larger than the cap is capped from the first attempt."""
    assert backoff(1, base=100.0, cap=30.0, rng=lambda: 1.0) == 30.0


@pytest.mark.parametrize("attempts", [0, 1, 5, 40])
def test_zero_jitter_means_no_wait(attempts: int) -> None:
    """Full jitter: a draw of 0 gives a wait of 0."""
    assert backoff(attempts, rng=lambda: 0.0) == 0


def test_jitter_scales_the_ceiling_linearly() -> None:
    """A draw of 0.25 waits a quarter of the ceiling."""
    assert backoff(3, base=2.0, cap=3600.0, rng=lambda: 0.25) == 2.0


@pytest.mark.parametrize("attempts", [0, -3])
def test_non_positive_attempts_wait_at_most_base(attempts: int) -> None:
    """A row never tried (or a bad count) is treated as the first attempt, not as a fraction of base."""
    assert backoff(attempts, base=2.0, cap=3600.0, rng=lambda: 1.0) == 2.0


def test_wait_is_always_within_zero_and_cap() -> None:
    """With real random draws, every wait lies in [0, cap]."""
    draw = random.Random(20260302).random
    for attempts in range(0, 60):
        for _ in range(20):
            assert 0.0 <= backoff(attempts, base=2.0, cap=300.0, rng=draw) <= 300.0


@pytest.mark.parametrize("attempts", [1025, 5000])
def test_wait_stays_capped_for_a_row_retried_for_weeks(attempts: int) -> None:
    """A row retried hourly for six weeks (over 1024 attempts) still waits the cap, without overflowing."""
    assert backoff(attempts, base=2.0, cap=3600.0, rng=lambda: 1.0) == 3600.0
