"""Concurrent delivery across cases (#21) at the maximum concurrency, against a court that answers late (latency
with jitter) and fails on purpose (5xx, 429 + Retry-After, dropped connections, lost answers, hung requests): every
message applied by the court exactly once, each case's messages in its order, every result recorded — on SQLite
and on PostgreSQL."""

import pytest
from sqlmodel import select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow
from sandbox.court import SandboxConfig
from scheduler import build_runtime
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.delivery_runs import InHand, applied_once_in_order, deliver_until_done

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

CASES = 40  # three messages each: accept, assign a mediator, hold a session
IN_FLIGHT = 64  # the setting's maximum (adapter/config/platform.py max_in_flight)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    """REST, and SOAP: each SOAP call on its own send thread and keep-alive connection, sharing one connector."""
    return str(request.param)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """A court answering in 50 ± 30 ms that fails one request in ten, each fault bounded to a second or less."""
    return SandboxConfig(
        seed=21,
        decision_delay=0.0,
        redeliver_rate=0.0,
        court_key_id=COURT_KID,
        latency_seconds=0.05,
        latency_jitter_seconds=0.03,
        fault_rate=0.1,
        fault_kinds=("error", "throttle", "drop", "lost_answer", "timeout"),
        timeout_seconds=0.4,  # a "timeout" holds the request this long, then hangs up
    )


def test_at_full_concurrency_a_slow_failing_court_gets_each_message_once_in_order(
    court: Court, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _delivered_once_in_order(court, database_url, monkeypatch, send_processes=0)


@pytest.mark.parametrize("transport", ["soap"], indirect=True)
def test_sends_made_by_send_processes_reach_a_slow_failing_court_once_in_order(
    court: Court, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, each SOAP send made by one of two child processes (scheduler/send_processes.py): the worker's
    gates, retries and records hold across the pipe."""
    _delivered_once_in_order(court, database_url, monkeypatch, send_processes=2)


def _delivered_once_in_order(
    court: Court, database_url: str, monkeypatch: pytest.MonkeyPatch, *, send_processes: int
) -> None:
    settings = Settings(
        database_url=database_url,
        deliver_batch=200,
        platforms={
            PLATFORM: court.pairing.platform(
                court.server,
                max_in_flight=IN_FLIGHT,
                timeout_seconds=2,
                retry_base_seconds=0.05,
                retry_cap_seconds=0.3,
                breaker_failures=5,
                breaker_cooldown_seconds=0.2,
                send_processes=send_processes,
            )
        },
    )
    runtime = build_runtime(settings)
    if send_processes:  # every send crosses to a child: the worker's own connector never sends

        def here(envelope: object) -> None:
            raise AssertionError("sent from the worker's own connector")

        monkeypatch.setattr(runtime.platforms[PLATFORM].connector.connector, "send", here)  # type: ignore[attr-defined]
    court.core.dispatch(CASES, "01")
    runtime.poll_platform(PLATFORM)
    with runtime.uow.begin() as session:
        case_ids = list(session.exec(select(CaseRow.id)).all())
    assert len(case_ids) == CASES
    for case_id in case_ids:  # a backlog: three messages per case, none delivered yet
        runtime.services.accept(case_id)
        runtime.services.assign_mediator(case_id, "陈调解员")
        runtime.services.hold_session(case_id, "第一次调解")
    in_hand = InHand(court, monkeypatch)
    try:
        counts = deliver_until_done(runtime, 90, 0.02)
    finally:
        runtime.stop()
    applied_once_in_order(runtime, court, 3 * CASES, counts)
    assert counts["lease_lost"] == 0 and counts["dead"] == 0  # no result lost, none recorded by another
    assert sum(court.core.faults.values()) > 0  # the faults really happened (quick retries absorb most)
    assert in_hand.peak >= 16, in_hand.peak  # the court really had many of our requests in hand at once
    assert all(c.history == ["20", "30", "30"] for c in court.core.cases.values())
