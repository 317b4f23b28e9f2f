"""Two worker processes on one PostgreSQL deliver a backlog: every message reaches the court once, in order."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import func, select

from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.testing import fresh_database
from scheduler import build_runtime
from tests.support.court import Court

pytestmark = pytest.mark.integration

WORKER = textwrap.dedent("""
    import pathlib, sys, time
    from adapter.config.settings import Settings
    from scheduler import build_runtime
    runtime = build_runtime(Settings.model_validate_json(sys.argv[1]))
    print("ready", flush=True)
    go = pathlib.Path(sys.argv[2])
    while not go.exists():  # both workers start together, so the backlog is really contended
        time.sleep(0.01)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = runtime.deliver_counts()
        if not counts:
            time.sleep(0.05)
            if not runtime.deliver_counts():
                break
    print(dict(runtime.metrics.snapshot()))
""")


def test_two_workers_share_a_backlog_without_sending_any_message_twice(
    court: Court, postgres: str, tmp_path: Path
) -> None:
    """SKIP LOCKED claims and leases: 100 cases × 3 messages, two processes, no double application, order kept."""
    settings = Settings(
        database_url=fresh_database(postgres),
        deliver_batch=5,  # small claims, so the two workers really contend for the backlog
        platforms={"court": PlatformSettings(base_url=court.server.url, signing=court.signing)},
    )
    runtime = build_runtime(settings)
    court.core.dispatch(100, "01")
    runtime.poll_platform("court")
    with runtime.uow.begin() as session:
        case_ids = list(session.exec(select(CaseRow.id)).all())
    for case_id in case_ids:  # a backlog: three messages per case, none delivered yet
        runtime.services.accept(case_id)
        runtime.services.assign_mediator(case_id, "陈调解员")
        runtime.services.hold_session(case_id, "第一次调解")
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, settings.model_dump_json(), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:  # both ready before either starts
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [w.communicate(timeout=180) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err[-1500:] for _, err in outputs]
    with runtime.uow.begin() as session:
        by_status = dict(session.exec(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
    assert by_status == {"delivered": 300}
    assert court.core.duplicates_applied == 0 and len(court.core.applications) == 300
    assert all(c.history == ["20", "30", "30"] for c in court.core.cases.values())  # per-case order held
    both_worked = [out for out, _ in outputs if "'outbound_delivered'" in out]
    assert len(both_worked) == 2, outputs  # the work was shared, not done by one while the other idled
