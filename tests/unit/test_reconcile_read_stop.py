"""A reconciliation read against a court that does not answer: the back-off ends on the process's stop signal.

Before, `docking run` asked to stop (SIGTERM) sat out the read policy's waits, about 5 s against an unreachable
court, before it could exit.
"""

import threading
import time

import pytest

from adapter.reconcile.reconciler import read_retrying
from connectors.port import CredentialsRefused, TransientError


class Court:
    """A read that fails the same way every time, counting its tries."""

    def __init__(self, error: Exception) -> None:
        self.error, self.tries = error, 0

    def __call__(self) -> None:
        self.tries += 1
        raise self.error


def unreachable() -> TransientError:
    return TransientError("court-a", "connection refused")


@pytest.mark.parametrize("set_after", [0.0, 0.05, 0.3], ids=["already-set", "during-first-wait", "later-wait"])
def test_a_stop_ends_the_back_off_and_raises_the_reads_error(set_after: float) -> None:
    stopping, court = threading.Event(), Court(unreachable())
    timer = threading.Timer(set_after, stopping.set)
    if set_after:
        timer.start()
    else:
        stopping.set()
    started = time.monotonic()
    with pytest.raises(TransientError, match="connection refused"):
        read_retrying(stopping)(court)
    elapsed = time.monotonic() - started
    timer.cancel()
    # The policy's own waits add up to several seconds (0.2 s doubling, capped at 3 s, plus jitter up to 1 s each).
    assert elapsed < set_after + 0.5
    assert court.tries < 5
    if not set_after:
        assert court.tries == 1  # a stop already asked for: no second try at all


def test_without_a_stop_the_policy_tries_five_times() -> None:
    stopping, court = threading.Event(), Court(unreachable())
    waits: list[float] = []
    policy = read_retrying(stopping)
    policy.sleep = waits.append  # the waits are the policy's; here they are recorded instead of slept
    with pytest.raises(TransientError):
        policy(court)
    assert court.tries == 5 and len(waits) == 4 and all(wait > 0 for wait in waits)


def test_refused_credentials_are_not_asked_again() -> None:
    court = Court(CredentialsRefused("court-a", "401", "the court refused our credentials"))
    with pytest.raises(CredentialsRefused):
        read_retrying(threading.Event())(court)
    assert court.tries == 1


def test_without_a_stop_signal_the_policy_is_unchanged() -> None:
    court = Court(unreachable())
    policy = read_retrying()
    waits: list[float] = []
    policy.sleep = waits.append
    with pytest.raises(TransientError):
        policy(court)
    assert court.tries == 5 and len(waits) == 4
