"""`docking deadlines --within 3d`: the open cases whose deadlines close soon or have passed."""

import logging
import re
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from adapter.deadlines import Deadlines, DueState
from adapter.deadlines.sweep import count_open, open_case_deadlines
from adapter.errors import InvalidRequest
from cli.output import ConfigOption, Format, FormatOption, err, render
from scheduler import bootstrap
from schemas.clock import utc_now

_SPAN = re.compile(r"^(\d{1,4})([dhw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)
COLUMNS = ["case", "court_case", "status", "deadline", "last_day", "state", "closes_in_hours", "estimated", "rule"]


def deadlines(
    within: Annotated[str, typer.Option(help="How far ahead: e.g. 3d, 36h, 2w. Passed ones always show.")] = "3d",
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Cases at risk: every open deadline (domain.md §3) closing within --within, and every one already passed."""
    match = _SPAN.match(within.strip())
    if match is None:
        raise InvalidRequest(f"--within {within!r} is not a span like 3d, 36h or 2w")
    horizon = int(match[1]) * _UNITS[match[2]]
    settings = bootstrap.load(config)
    uow = bootstrap.open_store(settings, read_only=True)
    # The note under the table says it for this command; the log line would say it twice.
    logging.getLogger("docking.deadlines").setLevel(logging.ERROR)
    engine = Deadlines.from_policy(settings.deadlines)
    now = utc_now()
    rows = []
    bar = Progress(TextColumn("[bold]open cases"), BarColumn(), MofNCompleteColumn(), console=err, transient=True)
    with bar:
        task = bar.add_task("scan", total=count_open(uow))
        tick = lambda n: bar.advance(task, n)  # noqa: E731
        for item in open_case_deadlines(uow, engine, now, progress=tick):
            for due in item.due:
                left = due.due.closes_at - now
                if due.state in _LIVE and left <= horizon:
                    rows.append(
                        {
                            "case": item.case.id,
                            "court_case": item.case.case_number or item.case.platform_case_id,
                            "status": item.case.status,
                            "deadline": due.kind.value,
                            "last_day": due.due.last_day.isoformat(),
                            "state": due.state.value,
                            "closes_in_hours": round(left.total_seconds() / 3600, 1),
                            "estimated": due.estimated,
                            "rule": due.rule,
                        }
                    )
    rows.sort(key=lambda r: r["closes_in_hours"])
    render(rows, COLUMNS, fmt, title=f"deadlines closing within {within} (and passed) — days in China time")
    if fmt is Format.table and not rows:
        err.print(f"no open deadline closes within {within}")
    for year in sorted(engine.calendar.estimated_years):
        err.print(
            f"note: the holiday calendar has no data for {year}: deadlines in {year} count weekends only and are "
            f"marked estimated; add {year} to the holiday file ([deadlines] holiday_file) once it is published",
            highlight=False,
        )
