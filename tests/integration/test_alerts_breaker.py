"""Alert hooks over a real breaker episode: a sandbox court taken down and brought back gives its alert webhook
exactly one "opened" and one "closed" per episode, however many polls fail meanwhile, and `docking status` state
follows it from the database."""

import base64
import os
from datetime import timedelta

import pytest

from adapter.alerts.evaluate import evaluate
from adapter.config.settings import EncryptionSettings, Settings
from adapter.status import collect
from adapter.testing import FakeClock
from scheduler.alerts import alert_delivery
from scheduler.runtime import build_runtime
from schemas.clock import utc_now
from tests.support.court import PLATFORM, Court
from tests.support.webhook_receiver import receiving

pytestmark = pytest.mark.integration
SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
COOLDOWN = timedelta(seconds=30)


def test_a_breaker_episode_gives_one_opened_and_one_closed_alert(
    court: Court, database_url: str, encryption: EncryptionSettings
) -> None:
    """Two episodes (court down, polls fail, court up, probe succeeds): the receiver gets opened, closed, opened,
    closed for the platform's breaker — nothing for the repeated failures, the re-evaluations or the probes."""
    with receiving(SECRET) as receiver:
        settings = Settings(
            database_url=database_url,
            encryption=encryption,
            platforms={
                PLATFORM: court.pairing.platform(
                    court.server, timeout_seconds=2, breaker_failures=2, breaker_cooldown_seconds=30
                )
            },
            alerts={"destinations": [{"name": "ops", "type": "webhook", "url": receiver.url, "secret": SECRET}]},
        )
        clock = FakeClock(utc_now())
        runtime = build_runtime(settings, clock)
        deliver = alert_delivery(settings, runtime.uow, clock)
        faults = court.core.config
        faults.fault_kinds = ("error",)
        for _ in range(2):
            faults.fault_rate = 1.0  # down: every call answered 503
            for _ in range(4):  # more failures than the threshold, and polls while open
                runtime.poll_platform(PLATFORM)
                evaluate(runtime.uow, settings, clock)
                clock.now += timedelta(seconds=5)
            (shown,) = collect(runtime.uow, settings, clock).platforms
            assert shown.breaker == "open" and shown.breaker_since is not None
            faults.fault_rate = 0.0  # up again
            clock.now += COOLDOWN
            runtime.poll_platform(PLATFORM)  # the probe succeeds: closed
            runtime.poll_platform(PLATFORM)
            evaluate(runtime.uow, settings, clock)
            (shown,) = collect(runtime.uow, settings, clock).platforms
            assert shown.breaker == "closed"
            assert all(f.last_success_at == clock.now for f in shown.feeds)
        counts = deliver()
        assert set(counts) == {"delivered"}  # and nothing left: a second run finds nothing due
        assert not deliver()
        # the breaker's alerts (the start-up may add its own: a holiday year missing, say)
        got = [(a["kind"], a["subject"], a["state"]) for a in receiver.applied if a["kind"] == "breaker"]
        assert got == [("breaker", PLATFORM, "opened"), ("breaker", PLATFORM, "closed")] * 2
        assert receiver.unverified == 0 and receiver.duplicates_received == 0
        opened = next(a for a in receiver.applied if a["kind"] == "breaker")
        assert "OPEN" in opened["title"] and "CST" in opened["text"]
