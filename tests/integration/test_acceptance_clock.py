"""A dispatch read a day late (the poll was down) keeps the court's publication time as its acceptance clock,
and `docking cases show` says which time the clock runs from."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter.config.settings import Settings
from scheduler import Runtime
from schemas.clock import CHINA
from tests.support.cli import docking, write_config
from tests.support.court import PLATFORM, Court
from tests.support.runtime import case_for

pytestmark = pytest.mark.integration


def _published_a_day_ago(court: Court) -> tuple[str, datetime]:
    """The court dispatched a case yesterday; its feed item (re-signed by the court) is read only now."""
    (ajbs,) = court.core.dispatch(1, "01", publish=False)
    body, message_id = court.core._records[ajbs][0]
    doc = json.loads(body)
    yesterday = datetime.now(CHINA).replace(microsecond=0) - timedelta(days=1)
    doc["fssj"] = doc["ajxx"]["pqsj"] = yesterday.isoformat()
    item = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", item, court.core.sign_item(item, message_id))
    return ajbs, yesterday


def test_a_dispatch_polled_a_day_late_keeps_the_courts_time_and_cases_show_names_it(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    """Dispatched yesterday, read today: the clock runs from the court's dispatch, and `cases show` says so."""
    ajbs, yesterday = _published_a_day_ago(court)
    runtime.poll_platform(PLATFORM)
    case = case_for(runtime, ajbs)
    config = write_config(settings, tmp_path)

    shown = docking("cases", "show", case.id, "--config", str(config), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)  # one JSON object (#13)
    assert doc["acceptance_clock"] == {"from": "court dispatch", "at": yesterday.isoformat()}

    table = docking("cases", "show", case.id, "--config", str(config))
    assert table.returncode == 0, table.stderr
    expected = f"acceptance clock from: court dispatch {yesterday:%Y-%m-%d %H:%M} CST"
    assert expected in [line.strip() for line in table.stdout.splitlines()]
