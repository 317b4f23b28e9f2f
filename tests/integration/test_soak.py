"""Soak (#14): a court that keeps changing its mind — healthy, 4xx, 5xx, hung, poisoned feed items — while a real
`docking run` works and the centre keeps working. Bounded (two cycles of short phases, then a drain; about a
minute) so it runs with the normal test command. At the end: every valid message applied once and in order, every
poison item in quarantine with its bytes, the breaker closed again after opening, the dispatch feed caught up."""

import base64
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, CursorRow, OutboxRow, QuarantineRow
from adapter.states import CaseStatus
from sandbox.court import SandboxConfig
from sandbox.pairing import control
from scheduler import build_runtime
from schemas.clock import from_db
from tests.support.court import Court

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]

PHASE_SECONDS = 2.0
CYCLES = 2
DRAIN_SECONDS = 60.0
# How the court answers in each phase: (fault kinds, share of platform requests that get one).
PHASES: list[tuple[str, tuple[str, ...], float]] = [
    ("healthy", (), 0.0),
    ("4xx", ("refuse", "throttle"), 0.6),  # reads refused with 400, sends throttled with 429 + Retry-After
    ("5xx", ("error",), 1.0),
    ("hung", ("timeout",), 1.0),  # the court holds the request past the adapter's timeout, then hangs up
    ("poisoned", (), 0.0),  # answers fine, but its feed carries items that must be quarantined
]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """A court that redelivers now and then (at-least-once feeds), holds a hung request for 1.5 s."""
    return SandboxConfig(seed=17, redeliver_rate=0.05, timeout_seconds=1.5, court_key_id="court-test")


def _poison(court: Court, n: int) -> list[dict[str, object]]:
    """Four kinds of item a feed must never stall on, unique per call: bytes that are not UTF-8 inside a JSON
    string, an escaped lone surrogate, an unsigned item, and a court-signed item whose case id is a number."""
    signed = json.dumps({"xxbh": f"PX-{n}-4", "xxlx": "PQ", "ajbs": 40000 + n})
    return [
        {
            "feed": "dispatches",
            "body_base64": base64.b64encode(f'{{"xxbh":"PX-{n}-1","ajbs":"'.encode() + b'\xff\xfe"}').decode(),
        },
        {"feed": "dispatches", "body": f'{{"xxbh":"PX-{n}-2","ajbs":"\udcff"}}'},
        {"feed": "dispatches", "body": json.dumps({"xxbh": f"PX-{n}-3", "xxlx": "PQ", "ajbs": f"X-{n}"})},
        {"feed": "dispatches", "body": signed, "headers": court.core.sign_item(signed, f"PX-{n}-4")},
    ]


def _toml(settings: Settings) -> str:
    platform = settings.platforms["court"]
    keys = ", ".join(f'"{k}" = "{v}"' for k, v in platform.signing.court_keys.items())
    return (
        f'database_url = "{settings.database_url}"\ndeliver_seconds = 0.2\ndeliver_batch = 10\n'
        f'[platforms.court]\nbase_url = "{platform.base_url}"\npoll_seconds = 0.2\ntimeout_seconds = 1\n'
        "retry_base_seconds = 0.1\nretry_cap_seconds = 1\nbreaker_failures = 3\nbreaker_cooldown_seconds = 1\n"
        f'[platforms.court.signing]\nkeyring = "{platform.signing.keyring}"\ncourt_keys = {{ {keys} }}\n'
    )


def _until(what: str, done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"soak: timed out waiting for {what}"
        time.sleep(0.2)


def test_soak_a_court_alternating_healthy_4xx_5xx_hung_and_poisoned(court: Court, tmp_path: Path) -> None:
    """Two cycles of healthy → 4xx → 5xx → hung → poisoned while cases are dispatched and worked on; then the
    court heals and everything drains: delivered once, in order, poison quarantined, breaker closed, feed read."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'adapter.db'}",
        platforms={"court": PlatformSettings(base_url=court.server.url, signing=court.signing)},
    )
    config = tmp_path / "docking.toml"
    config.write_text(_toml(settings))
    runtime = build_runtime(settings)  # the centre's handle on the same database
    uow, log = runtime.uow, tmp_path / "run.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )
    stop = threading.Event()

    def centre() -> None:
        """The centre keeps working: accepts each case that arrives, then assigns it a mediator."""
        while not stop.wait(0.3):
            with uow.begin() as session:
                rows = session.exec(select(CaseRow.id, CaseRow.status)).all()
            for case_id, status in rows:
                if status == CaseStatus.PENDING_ACCEPTANCE:
                    runtime.services.accept(case_id)
                elif status == CaseStatus.ACCEPTED:
                    runtime.services.assign_mediator(case_id, "陈调解员")

    worker = threading.Thread(target=centre, name="soak-centre")
    worker.start()
    poison: list[dict[str, object]] = []
    dispatched: list[str] = []
    rng, healthy = random.Random(14), court.core.config
    try:
        for cycle in range(CYCLES):
            for name, kinds, rate in PHASES:
                court.core.config = replace(healthy, fault_kinds=kinds or healthy.fault_kinds, fault_rate=rate)
                if name == "poisoned":
                    for item in _poison(court, cycle):
                        control(court.server, "inject", item)
                        poison.append(item)
                dispatched += court.core.dispatch(rng.randint(2, 4), "01")
                assert process.poll() is None, log.read_text()[-3000:]
                time.sleep(PHASE_SECONDS)
        court.core.config = healthy
        _until("every case in hand and every message delivered", lambda: _drained(uow, len(dispatched)), DRAIN_SECONDS)
    finally:
        stop.set()
        worker.join(timeout=10)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack to the log
            process.wait(timeout=10)
            raise AssertionError(f"docking run did not stop on SIGTERM:\n{log.read_text()[-6000:]}") from None
    text = log.read_text()
    assert process.returncode == 0, text[-3000:]
    assert "Traceback" not in text, text[-3000:]

    # every valid message applied once, in each case's order, none invented
    with uow.begin() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.case_id), col(OutboxRow.seq))).all()
        cases = {c.id: c.platform_case_id for c in session.exec(select(CaseRow)).all()}
        quarantined = session.exec(select(QuarantineRow)).all()
        cursor = session.get(CursorRow, ("court", "dispatches"))
    assert sorted(cases.values()) == sorted(dispatched) and len(rows) == 2 * len(dispatched)
    assert court.core.duplicates_applied == 0 and set(court.core.applications.values()) == {1}
    assert set(court.core.applications) == {r.message_id for r in rows}
    expected: dict[str, list[str]] = {}
    for row in rows:
        expected.setdefault(cases[row.case_id], []).append(row.message_id)
    assert court.core.applied_order == expected

    # every poison item in quarantine, with its bytes
    injected = {
        hashlib.sha256(base64.b64decode(str(p["body_base64"])) if "body_base64" in p else b"").hexdigest()
        for p in poison
        if "body_base64" in p
    }
    assert len({q.raw_sha256 for q in quarantined}) >= len(poison), [(q.reason, q.message_id) for q in quarantined]
    assert injected <= {q.raw_sha256 for q in quarantined}

    # the faults really happened, the breaker opened and closed again, and the feed was read to its end
    assert {"refuse", "throttle", "error", "timeout"} <= set(court.core.faults), court.core.faults
    breaker = [line for line in text.splitlines() if "circuit open" in line or "circuit closed" in line]
    assert any("circuit open" in line for line in breaker), text[-3000:]
    assert "circuit closed" in breaker[-1], breaker[-3:]
    feed = court.core.feed("dispatches", 0, 10_000)
    assert cursor is not None and cursor.value == str(feed["next_cursor"])
    assert cursor.caught_up_at is not None and from_db(cursor.caught_up_at) <= datetime.now(UTC)


def _drained(uow, count: int) -> bool:  # type: ignore[no-untyped-def]
    with uow.begin() as session:
        statuses = session.exec(select(CaseRow.status)).all()
        undelivered = session.exec(select(OutboxRow.id).where(OutboxRow.status != "delivered")).first()
    return len(statuses) == count and all(s == CaseStatus.MEDIATOR_ASSIGNED for s in statuses) and undelivered is None
