"""`docking status`: what it shows and its exit code (0 healthy, 1 needs a person), in states set in the database."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from adapter.persistence.engine import create_schema, make_engine
from adapter.persistence.ops_tables import PlatformStateRow
from adapter.persistence.tables import CaseRow, CursorRow, JobRunRow, OutboxRow, QuarantineRow
from tests.support.cli import docking

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)
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


def _healthy(c: Connection) -> None:
    for feed in ("dispatches", "decisions"):
        c.execute(insert(CursorRow.__table__).values(platform="court", feed=feed, value="42", caught_up_at=NOW))  # type: ignore[attr-defined]


def _case(c: Connection) -> None:
    c.execute(
        insert(CaseRow.__table__).values(  # type: ignore[attr-defined]
            id="MC-1",
            platform="court",
            platform_case_id="A-1",
            flow="delegated",
            procedure="ordinary",
            cause="信用卡纠纷",
            amount="1.00",
            status="accepted",
            dispatch_json="{}",
            created_at=NOW,
            updated_at=NOW,
        )
    )


def _outbox(c: Connection, status: str, at: datetime) -> None:
    c.execute(
        insert(OutboxRow.__table__).values(  # type: ignore[attr-defined]
            message_id=f"m-{status}",
            case_id="MC-1",
            platform="court",
            type="accept",
            envelope_json="{}",
            status=status,
            attempts=3,
            next_attempt_at=at,
            created_at=at,
            queued_at=at,
            last_error="HTTP 400",
        )
    )


def held(c: Connection) -> None:
    _healthy(c)
    c.execute(
        insert(PlatformStateRow.__table__).values(  # type: ignore[attr-defined]
            platform="court",
            breaker="closed",
            held=True,
            held_reason="held: the court refuses our credentials",
            held_since=NOW,
            updated_at=NOW,
            holder="h:1:t",
        )
    )


def dead_letters(c: Connection) -> None:
    _healthy(c)
    _case(c)
    _outbox(c, "dead", NOW)
    _outbox(c, "pending", NOW - timedelta(minutes=5))


def breaker_open_long(c: Connection) -> None:
    _healthy(c)
    c.execute(
        insert(PlatformStateRow.__table__).values(  # type: ignore[attr-defined]
            platform="court",
            breaker="open",
            breaker_since=NOW - timedelta(hours=1),
            held=False,
            held_reason="",
            updated_at=NOW,
            holder="h:1:t",
        )
    )


def quarantined_and_failing_job(c: Connection) -> None:
    _healthy(c)
    c.execute(
        insert(QuarantineRow.__table__).values(  # type: ignore[attr-defined]
            platform="court",
            feed="dispatches",
            received_at=NOW,
            reason="bad_signature",
            detail="x",
            raw_sha256="0" * 64,
            raw=b"{}",
            headers_json="{}",
            status="open",
            outcome="",
            note="",
        )
    )
    c.execute(
        insert(JobRunRow.__table__).values(  # type: ignore[attr-defined]
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


@pytest.mark.parametrize(
    ("state", "code", "attention"),
    [
        (_healthy, 0, []),
        (held, 1, ["court: held — held: the court refuses our credentials"]),
        (dead_letters, 1, ["court: 1 dead message(s)"]),
        (breaker_open_long, 1, ["court: breaker open for 60min"]),
        (
            quarantined_and_failing_job,
            1,
            ["court: 1 open quarantine item(s)", "job reconcile-nightly: failing — OperationalError: disk full"],
        ),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_status_shows_the_state_and_exits_non_zero_when_a_person_is_needed(
    tmp_path: Path, state: Callable[[Connection], None], code: int, attention: list[str]
) -> None:
    """The JSON report carries the findings; the exit code is 1 exactly when there are any."""
    db = tmp_path / "d.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    with engine.begin() as connection:
        state(connection)
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(db=db))
    result = docking("status", "--config", str(config), "--format", "json")
    assert result.returncode == code, result.stderr
    report = json.loads(result.stdout)
    assert report["attention"] == attention
    (court,) = report["platforms"]
    assert court["mode"] == "poll" and [f["cursor"] for f in court["feeds"]] == ["42", "42"]
    assert report["database"]["current"] == report["database"]["head"]
    if state is dead_letters:
        assert (court["dead"], court["pending"]) == (1, 1)
        assert 290 <= court["oldest_pending_seconds"] <= 400
    table = docking("status", "--config", str(config))
    assert table.returncode == code and "court" in table.stdout
    assert all(f"needs attention: {line}" in table.stderr.replace("\n", " ") for line in attention) or not attention
