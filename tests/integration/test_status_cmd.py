"""`docking status`: what it shows and its exit code (0 healthy, 1 needs a person), in states set in the database."""

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.migrate import head
from adapter.persistence.ops_tables import AlertConditionRow, PlatformStateRow
from adapter.persistence.tables import CursorRow, JobRunRow, OutboxRow, ProcessHeartbeatRow, QuarantineRow
from schemas.clock import china_iso
from tests.support.cases import T0, pending_cases
from tests.support.cli import docking

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


def _ended_pid() -> int:
    """The pid of a process that ran and is gone (waited for: not even a zombie)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


_GONE_PID = _ended_pid()
CONFIG = """database_url = "sqlite:///{db}"
[platforms.court]
base_url = "http://127.0.0.1:9"
[platforms.court.signing]
profile = "hmac-appkey"
app_key = "ours"
app_secret = "s1"
court_app_key = "theirs"
court_app_secret = "s2"
"""


def _healthy(uow: UnitOfWork) -> None:
    _no_worker(uow)
    now = datetime.now(UTC)  # not NOW, taken at import: a heartbeat is live for three periods only
    with uow.begin() as session:
        session.add(
            ProcessHeartbeatRow(holder="h:1:t", host="h", pid=1, started_at=now, seen_at=now, period_seconds=60)
        )


def _killed_worker(uow: UnitOfWork) -> None:
    """`docking run` killed with -9 a moment ago on this host: its heartbeat is fresh, its pid runs no more."""
    _no_worker(uow)
    pid, now = _GONE_PID, datetime.now(UTC)
    with uow.begin() as session:
        session.add(
            ProcessHeartbeatRow(
                holder=f"here:{pid}:t",
                host=socket.gethostname()[:64],
                pid=pid,
                started_at=now,
                seen_at=now,
                period_seconds=60,
            )
        )


def reconcile_open(uow: UnitOfWork) -> None:
    """The last reconciliation of the court left differences (its condition open two hours now)."""
    _healthy(uow)
    with uow.begin() as session:
        since = datetime.now(UTC) - timedelta(hours=2, minutes=1)
        session.add(AlertConditionRow(kind="reconcile_differences", subject="court", since=since, detail="e.g. behind"))


def _no_worker(uow: UnitOfWork) -> None:
    """Feeds read a moment ago, but no process runs the jobs any more (e.g. after `docking demo --keep-running`)."""
    with uow.begin() as session:
        for feed in ("dispatches", "decisions"):
            session.add(CursorRow(platform="court", feed=feed, value="42", caught_up_at=datetime.now(UTC)))


def _platform_state(uow: UnitOfWork, **values: Any) -> None:
    _healthy(uow)
    with uow.begin() as session:
        session.add(PlatformStateRow(platform="court", updated_at=NOW, holder="h:1:t", **values))


def held(uow: UnitOfWork) -> None:
    _platform_state(uow, held=True, held_reason="held: the court refuses our credentials", held_since=NOW)


def breaker_open_long(uow: UnitOfWork) -> None:
    _platform_state(uow, breaker="open", breaker_since=NOW - timedelta(hours=2))


def dead_letters(uow: UnitOfWork) -> None:
    """Two accepted cases, one message each: one given up on, one still pending."""
    _healthy(uow)
    pending_cases(uow, 2)
    with uow.begin() as session:
        first = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).first()
        assert first is not None
        first.status, first.last_error = "dead", "HTTP 400"
        session.add(first)


def quarantined_and_failing_job(uow: UnitOfWork) -> None:
    _healthy(uow)
    with uow.begin() as session:
        session.add(
            QuarantineRow(
                platform="court",
                feed="dispatches",
                received_at=NOW,
                reason="bad_signature",
                detail="x",
                raw_sha256="0" * 64,
                raw=b"{}",
            )
        )
        session.add(
            JobRunRow(
                job="reconcile-nightly",
                period="2026-11-29",
                holder="h:1:t",
                started_at=NOW,
                lease_until=NOW,
                finished_at=NOW,
                status="failed",
                detail="OperationalError: disk full",
            )
        )


def migrations_behind(uow: UnitOfWork) -> None:
    """A database still at 0013: without the tables 0014 adds (read as empty), the version says so."""
    _healthy(uow)
    with uow.engine.begin() as connection:
        for table in ("alerts", "alert_conditions", "feed_states", "platform_states"):
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0013'"))


def _configured(tmp_path: Path, state: Callable[[UnitOfWork], None]) -> Path:
    """A database at the newest schema put in `state`, and a config file naming it."""
    db = tmp_path / "d.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    state(UnitOfWork(engine))
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(db=db))
    return config


@pytest.mark.parametrize(
    ("state", "code", "attention"),
    [
        (_healthy, 0, []),
        (
            _no_worker,
            1,
            [
                "no live `docking run` or `docking serve` process: nothing polls, delivers or runs the jobs — start"
                " one (systemctl start docking)"
            ],
        ),
        (held, 1, ["court: held — the court refuses our credentials"]),
        (
            reconcile_open,
            1,
            [
                "court: reconciliation differences open for 2h — `docking reconcile runs`, then `docking reconcile"
                " show RUN` says which and what to do"
            ],
        ),
        (dead_letters, 1, ["court: 1 dead message(s)"]),
        (breaker_open_long, 1, ["court: breaker open for 2h"]),
        (migrations_behind, 1, [f"database at 0013, adapter needs {head()}"]),
        (
            quarantined_and_failing_job,
            1,
            ["court: 1 open quarantine item(s)", "job reconcile-nightly: failing — OperationalError: disk full"],
        ),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_status_shows_the_state_and_exits_non_zero_when_a_person_is_needed(
    tmp_path: Path, state: Callable[[UnitOfWork], None], code: int, attention: list[str]
) -> None:
    """The JSON report carries the findings; the exit code is 1 exactly when there are any."""
    config = _configured(tmp_path, state)
    result = docking("status", "--config", str(config), "--format", "json")
    assert result.returncode == code, result.stderr
    report = json.loads(result.stdout)
    assert report["attention"] == attention
    (court,) = report["platforms"]
    assert court["mode"] == "poll" and [f["cursor"] for f in court["feeds"]] == ["42", "42"]
    assert (report["database"]["current"] == report["database"]["head"]) is (state is not migrations_behind)
    if state is dead_letters:
        assert (court["dead"], court["pending"]) == (1, 1)
        assert court["oldest_pending_at"] == china_iso(T0) and court["oldest_pending_seconds"] > 0
    table = docking("status", "--config", str(config))
    assert table.returncode == code and "court" in table.stdout
    assert all(f"needs attention: {line}" in table.stderr.replace("\n", " ") for line in attention), table.stderr


def test_alerts_list_says_nobody_is_notified_without_destinations(tmp_path: Path) -> None:
    """No [alerts] destinations: the listing (clean JSON on stdout) is followed by a note on stderr that "delivered"
    reached nobody."""
    config = _configured(tmp_path, dead_letters)
    result = docking("alerts", "list", "--config", str(config), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)
    assert "no [alerts] destinations are configured" in result.stderr and "nobody is notified" in result.stderr


def test_a_worker_killed_on_this_host_shows_in_the_processes_table(tmp_path: Path) -> None:
    """Its heartbeat is still fresh (it expires in 3 minutes), but its pid runs no more: the table says so at once.
    Not a finding: a container of the same pod shares the host's name, not its pids."""
    config = _configured(tmp_path, _killed_worker)
    report = json.loads(docking("status", "--config", str(config), "--format", "json").stdout)
    assert [(p["pid"], p["running"]) for p in report["processes"]] == [(_GONE_PID, False)]
    table = docking("status", "--config", str(config))
    assert table.returncode == 0 and "(killed?)" in table.stdout, table.stdout  # one word: never wrapped
