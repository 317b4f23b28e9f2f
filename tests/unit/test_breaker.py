"""The circuit breaker: opens after N failures, lets one probe through after the cool-down, alerts once."""

from datetime import UTC, datetime, timedelta

from adapter.platforms.breaker import CircuitBreaker

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def _breaker(events: list[tuple[str, str]]) -> CircuitBreaker:
    return CircuitBreaker(
        "court",
        failures=3,
        cooldown=timedelta(seconds=30),
        on_change=lambda platform, what: events.append((platform, what)),
    )


def test_it_opens_after_the_threshold_and_refuses_calls_until_the_cool_down() -> None:
    """Two failures keep it closed; the third opens it; calls are refused for 30 s."""
    events: list[tuple[str, str]] = []
    breaker = _breaker(events)
    for _ in range(2):
        breaker.record_failure(T0)
    assert breaker.allow(T0) and breaker.state == "closed"
    breaker.record_failure(T0)
    assert breaker.state == "open" and not breaker.allow(T0 + timedelta(seconds=29))
    assert breaker.retry_at() == T0 + timedelta(seconds=30)
    assert events == [("court", "opened")]


def test_after_the_cool_down_exactly_one_probe_goes_through() -> None:
    """Half-open lets one call through; a second caller waits for its result."""
    breaker = _breaker([])
    for _ in range(3):
        breaker.record_failure(T0)
    later = T0 + timedelta(seconds=30)
    assert breaker.allow(later) and breaker.state == "half_open"
    assert not breaker.allow(later)


def test_a_failed_probe_reopens_without_a_second_alert_and_a_good_one_closes_with_one() -> None:
    """Re-opening after a failed probe is not news; closing is, once."""
    events: list[tuple[str, str]] = []
    breaker = _breaker(events)
    for _ in range(3):
        breaker.record_failure(T0)
    breaker.allow(T0 + timedelta(seconds=30))
    breaker.record_failure(T0 + timedelta(seconds=30))
    assert breaker.state == "open" and events == [("court", "opened")]
    breaker.allow(T0 + timedelta(seconds=61))
    breaker.record_success()
    breaker.record_success()
    assert breaker.state == "closed" and events == [("court", "opened"), ("court", "closed")]


def test_a_success_resets_the_failure_count() -> None:
    """Failures must be consecutive: a success in between starts the count again."""
    breaker = _breaker([])
    breaker.record_failure(T0)
    breaker.record_failure(T0)
    breaker.record_success()
    breaker.record_failure(T0)
    breaker.record_failure(T0)
    assert breaker.state == "closed"
