"""The operator's sequence: `docking keys rotate-data` run before the restart the README asks for.

A running `docking run` that does not hold the new data key must not lose its jobs: the sweep alerts every case
(it opens no personal data) and reports the ones it could not open; delivery sends every other message and sets
the unreadable one aside; reconcile, prune and the monthly report carry on. rotate-data itself refuses while a
fresh heartbeat lacks the key, and proceeds once the process has been restarted with it.
"""

import base64
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from adapter import heartbeats
from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.deadlines.sweep import ALERT, sweep
from adapter.outbox.claim import UNREADABLE_DELAY
from adapter.outbox.delivery import deliver_due
from adapter.persistence.tables import CaseEventRow, CaseRow, JobRunRow, OutboxRow
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import new_key
from adapter.prune import prune
from adapter.reconcile import Kind, Scope, reconcile
from adapter.report import Month, compute
from adapter.testing import FakeClock
from scheduler import Runtime, build_runtime
from schemas.case import CaseDispatch
from schemas.clock import utc_now
from schemas.enums import Flow
from tests.support import samples
from tests.support.cli import docking
from tests.support.court import PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement, parties

pytestmark = pytest.mark.integration

NEW = "pii-new"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _fresh_reports() -> Iterator[None]:
    REPORTED.forget()  # "once per process": each test starts as a new process would
    yield
    REPORTED.forget()


def _with_new_key(settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    """The operator's edit: the new key added and made active, the old one kept; as settings and as a file."""
    assert settings.encryption is not None
    old = settings.encryption.keys["it"]
    assert old.key is not None
    algorithm = old.algorithm
    secret = base64.b64encode(new_key(NEW, algorithm).key).decode()
    keys = {"it": old, NEW: DataKeySettings(algorithm=algorithm, key=secret)}
    rotated = settings.model_copy(update={"encryption": EncryptionSettings(active=NEW, keys=keys)})
    path = tmp_path / "rotated.toml"
    path.write_text(
        f'database_url = "{settings.database_url}"\n[encryption]\nactive = "{NEW}"\n'
        f'[encryption.keys.it]\nalgorithm = "{algorithm}"\nkey = "{old.key.get_secret_value()}"\n'
        f'[encryption.keys.{NEW}]\nalgorithm = "{algorithm}"\nkey = "{secret}"\n'
    )
    return rotated, path


def _cases(runtime: Runtime) -> dict[str, str]:
    """platform case id → our id, read without opening anything (most rows are unreadable to this process)."""
    with runtime.uow.engine.connect() as conn:
        rows = conn.execute(select(CaseRow.platform_case_id, CaseRow.id).order_by(col(CaseRow.created_at))).all()
    return {ajbs: case_id for ajbs, case_id in rows}


def _jc_application_queued(runtime: Runtime, platform_case_id: str = "ZS-1") -> str:
    """A self-received case taken to a JC application, whose envelope (parties, agreement) waits in the outbox."""
    dispatch = samples.dispatch()
    flow_c = CaseDispatch.model_validate(
        {**dispatch.model_dump(), "flow": Flow.SELF_RECEIVED, "case_number": None, "platform_case_id": platform_case_id}
    )
    s = runtime.services
    case_id = s.register_self_received(flow_c)
    s.accept(case_id)
    s.assign_mediator(case_id, "陈调解员")
    s.hold_session(case_id, "第一次调解")
    s.submit_agreement(case_id, agreement(DOCUMENT), DOCUMENT)
    s.apply_jc(case_id, *parties(runtime, case_id), platform=PLATFORM)
    return case_id


def _alerted(runtime: Runtime) -> set[str]:
    with runtime.uow.engine.connect() as conn:
        return set(conn.execute(select(CaseEventRow.case_id).where(CaseEventRow.event == ALERT)).scalars())


def _rotate(config: Path, *extra: str) -> tuple[int, str, dict[str, dict[str, int]]]:
    done = docking("keys", "rotate-data", "--config", str(config), "--format", "json", *extra)
    rows = {r["table"]: r for r in json.loads(done.stdout)} if done.returncode == 0 else {}
    return done.returncode, done.stderr, rows


def test_rotate_data_before_the_restart_leaves_every_job_running(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused while the process lacks the key; forced anyway, the process's jobs carry on and report what they
    cannot open; after the restart with the key, rotate-data proceeds and the set-aside message is delivered."""
    court.core.dispatch(3, "01")
    runtime.poll_platform(PLATFORM)
    first, second, third = _cases(runtime).values()
    runtime.services.accept(first)
    confirmed = _jc_application_queued(runtime, "ZS-2")  # delivered now; the court's ruling is read after
    assert runtime.deliver_counts() == {"delivered": 2}
    runtime.services.accept(second)  # queued, not yet delivered when the keys change
    jc_case = _jc_application_queued(runtime)  # its envelope carries the parties: sealed
    runtime.heartbeat()
    rotated, config = _with_new_key(settings, tmp_path)

    code, stderr, _ = _rotate(config)
    assert code == 2 and "refusing to re-seal" in stderr, stderr
    assert f"does not hold data key {NEW}" in " ".join(stderr.split()) and "pid" in stderr and "--force" in stderr
    code, stderr, resealed = _rotate(config, "--force")
    assert code == 0 and "WARNING" in stderr, stderr
    # outbox: the two JC applications (their envelopes carry the parties) and the delivered acceptance, whose signed
    # request as sent is kept sealed for the evidence bundle (migration 0020)
    assert resealed["cases"]["rewritten"] == 5 and resealed["outbox"]["rewritten"] == 3

    # The process still runs with only the old key. Delivery: the acceptance (no personal data) goes; the JC
    # application is set aside, not dead, and reported.
    caplog.set_level(logging.ERROR, logger="docking.unreadable")
    assert runtime.deliver_counts() == {"delivered": 1, "unreadable": 1}
    with runtime.uow.engine.connect() as conn:
        status, attempts, error = conn.execute(
            select(OutboxRow.status, OutboxRow.attempts, OutboxRow.last_error).where(OutboxRow.case_id == jc_case)
        ).one()
    assert (status, attempts) == ("pending", 0) and f"data key {NEW!r}" in error
    # Polling and ingest: the court's ruling on an unreadable case applies (no personal data is needed for it),
    # and a new dispatch is registered (sealed with the key the process has) and accepted.
    court.core.dispatch(1, "01")
    runtime.poll_platform(PLATFORM)
    with runtime.uow.engine.connect() as conn:
        assert conn.execute(select(CaseRow.status).where(CaseRow.id == confirmed)).scalar_one() == "JC_CONFIRMED"
    fourth = _cases(runtime)[list(_cases(runtime))[-1]]
    runtime.services.accept(fourth)
    assert runtime.deliver_counts() == {"delivered": 1}

    # The sweep alerts every case, the unreadable ones too, and reports those once each.
    later = FakeClock(utc_now() + timedelta(days=12))
    result = sweep(runtime.uow, later, runtime.services.deadlines)
    assert result["cases"] == 5 and result["unreadable"] == 4
    assert _alerted(runtime) >= {first, second, third, fourth}
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("message" in e and f"case {jc_case}" in e and NEW in e for e in errors)
    for case_id in (first, second, third, jc_case):
        (line,) = [e for e in errors if f"case {case_id} swept" in e]
        assert NEW in line and "restart" in line
    assert not any(f"case {fourth}" in e for e in errors)
    sweep(runtime.uow, later, runtime.services.deadlines)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == errors, "once per row"

    # Reconcile (a court that lost two cases: their stored messages are read, one sealed), prune and the report.
    court.core.forget(next(ajbs for ajbs, case_id in _cases(runtime).items() if case_id == first))
    court.core.forget("ZS-2")
    report = reconcile(runtime.uow, runtime.platforms, scope=Scope.FULL, repair=False, clock=utc_now)
    assert sorted((d.case_id, d.kind) for d in report.differences) == sorted(
        [(first, Kind.MISSING_AT_PLATFORM), (confirmed, Kind.MISSING_AT_PLATFORM)]
    )
    # the confirmed case is at rest for good: its delivered (sealed) message goes, unopened
    assert prune(runtime.uow, utc_now() + timedelta(days=400), timedelta(days=90))["messages"] == 1
    assert compute(runtime.uow, Month.containing(utc_now()), clock=utc_now).received == 6
    assert runtime.routines is not None
    assert runtime.routines.sweep_deadlines() and runtime.routines.prune()
    with runtime.uow.engine.connect() as conn:
        runs = dict(conn.execute(select(JobRunRow.job, JobRunRow.status)).all())
        swept = conn.execute(select(JobRunRow.detail).where(JobRunRow.job == "deadline-sweep")).scalar_one()
    assert runs == {"deadline-sweep": "ok", "prune": "ok"} and json.loads(swept)["unreadable"] == 4

    # The restart the README asks for: the old process withdraws its heartbeat, the new one holds the key.
    runtime.stop()
    assert heartbeats.live(runtime.uow, utc_now()) == []
    restarted = build_runtime(rotated)
    restarted.heartbeat()
    code, stderr, resealed = _rotate(config)
    assert code == 0 and "refusing" not in stderr, stderr
    assert resealed["cases"]["rewritten"] == 1 and all(r["unreadable"] == 0 for r in resealed.values())
    set_aside_until = lambda: utc_now() + UNREADABLE_DELAY  # noqa: E731  (the connector signs at the real time)
    assert deliver_due(restarted.uow, restarted.platforms, set_aside_until) == {"delivered": 1}, "once the key is held"


def test_a_heartbeat_counts_until_it_is_stale_or_refreshed_with_the_key(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    """A killed process's heartbeat stops counting after a few periods; one refreshed with the key never blocks."""
    rotated, config = _with_new_key(settings, tmp_path)
    vault = settings.encryption.vault() if settings.encryption else None
    periods_ago = lambda n: FakeClock(utc_now() - n * heartbeats.PERIOD)  # noqa: E731
    heartbeats.beat(runtime.uow, periods_ago(1), "h:1:a", 1, vault)
    assert [b.pid for b in heartbeats.lacking(heartbeats.live(runtime.uow, utc_now()), NEW)] == [1]
    code, stderr, _ = _rotate(config)
    assert code == 2 and "pid 1 " in stderr, stderr

    heartbeats.beat(runtime.uow, periods_ago(heartbeats.STALE_AFTER + 1), "h:1:a", 1, vault)  # then killed
    assert heartbeats.live(runtime.uow, utc_now()) == []
    heartbeats.beat(runtime.uow, utc_now, "h:2:b", 2, rotated.encryption.vault() if rotated.encryption else None)
    (fresh,) = heartbeats.live(runtime.uow, utc_now())
    assert fresh.pid == 2 and fresh.data_keys == {"it", NEW} and fresh.active_key == NEW
    code, stderr, resealed = _rotate(config)
    assert code == 0 and "refusing" not in stderr and resealed["cases"]["checked"] == 0, stderr


def test_a_process_holding_the_key_but_sealing_with_the_old_one_is_warned_about(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    """Step one of the README done (key added), step two not (not yet active): rotate-data runs, and says that
    process's new rows need a second pass."""
    rotated, config = _with_new_key(settings, tmp_path)
    assert rotated.encryption is not None
    holds_both = EncryptionSettings(active="it", keys=rotated.encryption.keys)
    heartbeats.beat(runtime.uow, utc_now, "h:3:c", 3, holds_both.vault())
    code, stderr, _ = _rotate(config)
    assert code == 0 and "seals new data with it" in " ".join(stderr.split()), stderr
