"""A year without holiday data is said where it matters, once (issue 19): `docking status` notes this year's and next
year's gaps (stderr, and `calendar_missing` in its JSON); the runtime's start-up logs only this year's gap — next
year's is logged when a deadline first crosses into it, not by every command that builds the runtime."""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli.status_cmd
from adapter.config.settings import load_settings
from adapter.deadlines.calendar import PACKAGE_YEARS, forget_missing_years
from cli.main import app
from scheduler import build_runtime

pytestmark = pytest.mark.integration
LAST = max(PACKAGE_YEARS)  # the last year chinesecalendar covers; the next has no data (no holiday file here)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "docking.toml"
    path.write_text(f'database_url = "sqlite:///{tmp_path / "d.db"}"\n')
    assert CliRunner().invoke(app, ["db", "upgrade", "--config", str(path)]).exit_code == 0
    return path


@pytest.mark.parametrize(("now", "gaps"), [(LAST - 1, []), (LAST, [LAST + 1]), (LAST + 1, [LAST + 1, LAST + 2])])
def test_status_notes_the_years_without_holiday_data(
    config: Path, monkeypatch: pytest.MonkeyPatch, now: int, gaps: list[int]
) -> None:
    monkeypatch.setattr(cli.status_cmd, "utc_now", lambda: datetime(now, 6, 1, tzinfo=UTC))
    result = CliRunner().invoke(app, ["status", "--config", str(config), "--format", "json"])
    assert json.loads(result.stdout)["calendar_missing"] == gaps
    for year in gaps:
        assert result.stderr.count(f"note: the holiday calendar has no data for {year}") == 1, result.stderr


@pytest.mark.parametrize(("now", "logged"), [(LAST, []), (LAST + 1, [LAST + 1])])
def test_start_up_logs_only_this_years_gap(
    config: Path, caplog: pytest.LogCaptureFixture, now: int, logged: list[int]
) -> None:
    forget_missing_years()
    settings = load_settings(config)
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        runtime = build_runtime(settings, clock=lambda: datetime(now, 6, 1, tzinfo=UTC))
    runtime.uow.engine.dispose()
    said = [r.getMessage() for r in caplog.records if "holiday calendar has no data" in r.getMessage()]
    assert [int(m.split("no data for ")[1].split()[0]) for m in said] == logged
    forget_missing_years()
