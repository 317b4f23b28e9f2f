"""The operator's sequence with a real sandbox court on loopback: rotate (staged), activate before the court trusts
the new key — the platform is held, nothing goes dead, one alert — then fix it either way (the court is given the
key, or `docking keys activate <old>`) and every message is delivered once, with no restart."""

import logging
import subprocess
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.keys.wsse_files import make_wsse_files
from adapter.persistence.tables import OutboxRow
from sandbox.pairing import CENTRE_KEY_ID, control
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from tests.support.cli import docking as run_docking
from tests.support.court import PLATFORM, Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration

NEW_KEY = "centre-2026-07"
COOL_DOWN = 1.0  # the breaker's cool-down: while held, one probe per second


def docking(*args: str) -> subprocess.CompletedProcess[str]:
    return run_docking(*args, check=True)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    platform = court.pairing.platform(court.server, timeout_seconds=5, breaker_cooldown_seconds=COOL_DOWN)
    return Settings(database_url=database_url, encryption=encryption, platforms={PLATFORM: platform})


def _outbox(runtime: Runtime) -> list[OutboxRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())


def _refusals(court: Court) -> int:
    return sum(court.core.signature_failures.values())


@pytest.mark.parametrize("fix", ["the court is given the key", "the operator rolls back"])
def test_rotating_before_the_court_trusts_the_key_holds_the_platform_until_fixed(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture, fix: str
) -> None:
    keyring = court.signing.keyring
    assert keyring is not None
    ring = str(keyring)
    cases = court.core.dispatch(3, "01")
    pump(runtime, 1)
    ids = [case_for(runtime, ajbs).id for ajbs in cases]
    for case_id in ids:
        runtime.services.accept(case_id)
    pump(runtime, 1)

    # 1. Staged rotation: the new key is published (the court can be given it); the old one still signs.
    docking("keys", "rotate", "--dir", ring, "--key-id", NEW_KEY)
    assert NEW_KEY in docking("keys", "export-public", "--dir", ring, "--format", "jwks").stdout
    for case_id in ids:
        runtime.services.assign_mediator(case_id, "调解员甲")
    pump(runtime, 1)
    assert _refusals(court) == 0 and {r.status for r in _outbox(runtime)} == {"delivered"}

    # 2. Activated early, before the court has the key: every request would be refused.
    docking("keys", "activate", NEW_KEY, "--dir", ring)
    for case_id in ids:
        runtime.services.hold_session(case_id)
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            pump(runtime, 1)
        held = _outbox(runtime)
        assert [r.status for r in held].count("pending") == 3 and "dead" not in {r.status for r in held}
        assert all(r.attempts == 0 for r in held if r.status == "pending")  # nothing burnt
        assert _refusals(court) <= 2  # a probe per cool-down, not a request per message and poll

        # 3. The fix, either way; no restart: the next probe is accepted and everything flows.
        if fix == "the court is given the key":
            public = (keyring / f"{NEW_KEY}.pub").read_text()
            control(court.server, "trust", {"key_id": NEW_KEY, "public_key": public})
        else:
            docking("keys", "activate", CENTRE_KEY_ID, "--dir", ring)
        time.sleep(COOL_DOWN + 0.2)
        pump(runtime, 2)

    rows = _outbox(runtime)
    assert len(rows) == 9 and {r.status for r in rows} == {"delivered"}
    assert {court.core.applications[r.message_id] for r in rows} == {1}  # each applied once
    alerts = [r.getMessage() for r in caplog.records if r.name == "docking.credentials" and r.levelno >= logging.ERROR]
    assert len(alerts) == 1, alerts
    assert PLATFORM in alerts[0] and f"key {NEW_KEY}" in alerts[0]
    assert f"docking keys activate {CENTRE_KEY_ID} --dir {Path(ring).resolve()}" in alerts[0]
    assert sum("accepts our signature again" in r.getMessage() for r in caplog.records) == 1
    assert not [r for r in caplog.records if r.name == "docking.delivery" and r.levelno >= logging.WARNING]


@pytest.mark.parametrize("transport", ["soap"])
def test_a_soap_court_refusing_a_new_wsse_certificate_holds_the_platform_until_the_old_one_is_back(
    settings: Settings, court: Court, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A certificate from `docking keys wsse` the court was never given: its signed E401 fault holds the platform
    (one alert naming the certificate), nothing goes dead; with the trusted certificate back, all is delivered."""
    trusted = build_runtime(settings)
    cases = court.core.dispatch(2, "01")
    pump(trusted, 1)
    ids = [case_for(trusted, ajbs).id for ajbs in cases]
    wsse = settings.platforms[PLATFORM].wsse
    assert wsse is not None
    new = make_wsse_files(tmp_path / "wsse-new", "centre", "CN=centre", now=utc_now(), algorithm="EC")
    platform = settings.platforms[PLATFORM].model_copy(
        update={"wsse": wsse.model_copy(update={"key": new.key, "certificate": new.written})}
    )
    untrusted = build_runtime(settings.model_copy(update={"platforms": {PLATFORM: platform}}))
    for case_id in ids:
        untrusted.services.accept(case_id)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            pump(untrusted, 1)
        assert {r.status for r in _outbox(untrusted)} == {"pending"}
        assert {r.attempts for r in _outbox(untrusted)} == {0}
        restarted = build_runtime(settings)  # with the certificate the court trusts
        time.sleep(COOL_DOWN + 0.2)  # held messages were deferred to the next probe, at most a cool-down
        pump(restarted, 2)
    assert {r.status for r in _outbox(trusted)} == {"delivered"}
    alerts = [r.getMessage() for r in caplog.records if r.name == "docking.credentials" and r.levelno >= logging.ERROR]
    assert len(alerts) == 1 and f"WS-Security certificate {new.written.resolve()}" in alerts[0]
    assert "unknown_key" in alerts[0]
