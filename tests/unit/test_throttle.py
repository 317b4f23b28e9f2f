"""A platform's pace (#21): the requests-per-second cap spaces sends evenly across threads, a 429 pauses the
platform for its Retry-After (bounded), and the sandbox's latency option reads MS[,JITTER] or names the rule."""

from datetime import UTC, datetime, timedelta

import pytest

from adapter.platforms.throttle import DEFAULT_PAUSE, LONGEST_PAUSE, Throttle
from sandbox.court.config import SandboxConfig, parse_latency

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


class FakeTime:
    """A monotonic clock that `sleep` moves on."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, []  # type: ignore[var-annotated]

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


@pytest.mark.parametrize(
    ("rate", "requests", "waits"),
    [
        (None, 4, [0.0, 0.0, 0.0, 0.0]),  # no cap: never waits
        (10.0, 4, [0.0, 0.1, 0.2, 0.3]),  # four at once under 10/s: a slot every 0.1 s, no burst
        (2.0, 3, [0.0, 0.5, 1.0]),
    ],
)
def test_the_cap_spaces_requests_made_at_once(rate: float | None, requests: int, waits: list[float]) -> None:
    """Requests asked for at the same moment (threads of one worker) each get the next free slot."""
    clock = FakeTime()
    throttle = Throttle("court", rate, monotonic=clock.monotonic, sleep=lambda s: clock.slept.append(round(s, 6)))
    assert [round(throttle.acquire(), 6) for _ in range(requests)] == waits


def test_a_request_after_a_quiet_spell_goes_at_once() -> None:
    clock = FakeTime()
    throttle = Throttle("court", 5.0, monotonic=clock.monotonic, sleep=clock.sleep)
    throttle.acquire()
    clock.now += 10  # long after the last slot: no debt, and no credit for a burst either
    assert throttle.acquire() == 0.0 and round(throttle.acquire(), 6) == 0.2


@pytest.mark.parametrize(
    ("retry_after", "pause"),
    [
        (7.0, timedelta(seconds=7)),
        (None, DEFAULT_PAUSE),  # a 429 without Retry-After still pauses
        (0.0, timedelta(0)),
        (10**9, LONGEST_PAUSE),  # a proxy's absurd figure cannot stop the platform for days
    ],
)
def test_a_429_pauses_the_platform_for_its_retry_after(retry_after: float | None, pause: timedelta) -> None:
    throttle = Throttle("court")
    assert throttle.slow_down(retry_after, NOW) == pause.total_seconds()
    assert throttle.wait(NOW) == pause.total_seconds()
    assert throttle.wait(NOW + pause) == 0.0  # over when the court said


def test_a_shorter_retry_after_does_not_cut_a_pause_short(caplog: pytest.LogCaptureFixture) -> None:
    """Several sends in flight get their 429s together: the longest pause stands, and it is said once."""
    throttle = Throttle("court")
    throttle.slow_down(30, NOW)
    throttle.slow_down(2, NOW + timedelta(seconds=1))
    assert throttle.wait(NOW + timedelta(seconds=10)) == 20.0
    assert len([r for r in caplog.records if "slow down" in r.getMessage()]) == 1


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="requests_per_second"):
        Throttle("court", 0)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("50", (0.05, 0.0)), ("50,10", (0.05, 0.01)), ("0", (0.0, 0.0)), ("250.5,0", (0.2505, 0.0))],
)
def test_latency_reads_milliseconds_and_jitter(text: str, seconds: tuple[float, float]) -> None:
    assert parse_latency(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("fast", "is not MS or MS,JITTER"),
        ("50,10,1", "is not MS or MS,JITTER"),
        ("", "is not MS or MS,JITTER"),
        ("50,60", "0 <= JITTER <= MS"),  # jitter larger than the latency would go below zero
        ("-5", "0 <= JITTER <= MS"),
        ("nan", "0 <= JITTER <= MS"),
        ("70000", "<= 60000"),
    ],
)
def test_bad_latency_names_the_rule_and_the_input(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match="MS") as caught:
        parse_latency(text)
    assert rule in str(caught.value) and repr(text) in str(caught.value)


def test_each_request_is_held_the_latency_give_or_take_the_jitter() -> None:
    config = SandboxConfig(latency_seconds=0.05, latency_jitter_seconds=0.01)
    assert config.latency(lambda low, high: low) == pytest.approx(0.04)
    assert config.latency(lambda low, high: high) == pytest.approx(0.06)
    assert SandboxConfig(latency_seconds=0.05).latency() == 0.05
    with pytest.raises(ValueError, match="jitter"):
        SandboxConfig(latency_seconds=0.01, latency_jitter_seconds=0.02)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["sandbox", "serve", "--centre-key", "k=/nonexistent.pub", "--latency", "50,60"], "--latency"),
        (["demo", "--court-latency", "fast"], "--court-latency"),
    ],
)
def test_the_commands_name_a_bad_latency_option(command: list[str], option: str) -> None:
    """Refused before anything starts (no key read, no court served), naming the option and what it got."""
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, command)
    said = result.output + str(result.exception or "")  # InvalidRequest: the entry point prints it as "error: …"
    assert result.exit_code != 0 and f"{option} {command[-1]!r}" in said and "MS" in said, said
