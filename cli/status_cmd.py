"""`docking status`: the adapter at a glance, from the database alone (adapter/status/), read-only.

Exit codes: 0 nothing needs a person; 1 something does (each finding is listed on stderr, and in the JSON's
"attention"); as every command, 2 bad input, 75 the database is unavailable now, 78 a setting to fix.
"""

import dataclasses
import json
from typing import Any

import typer
from rich.markup import escape

from adapter.alerts.causes import CALENDAR_TODO
from adapter.deadlines import Deadlines
from adapter.persistence.engine import UnitOfWork, open_database
from adapter.status import EXIT_ATTENTION, StatusReport, collect, needs_attention
from cli.output import ConfigOption, Format, FormatOption, console, err, render, scalar
from scheduler import bootstrap
from schemas.clock import CHINA, utc_now


def status(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Per platform: mode, breaker, hold, feeds (last success, lag, cursor), pending / in-flight / dead /
    quarantined, oldest pending; per job: last run, success, failure; database version; live processes and their
    data keys. Exits 1 when something needs a person (a held platform, a breaker open too long, dead letters, open
    quarantine, a failing job, migrations behind, a stale or held feed, dead centre events or alerts, a seal or
    keyring certificate expiring within \\[alerts] certificate_expiry_days, expired or unreadable)."""
    settings = bootstrap.load(config)
    # Opened without the schema check of other commands: a database whose migrations are behind is a finding here.
    uow = UnitOfWork(open_database(settings, must_exist=True, read_only=True))
    report = collect(uow, settings, utc_now)
    attention = needs_attention(report)
    year = utc_now().astimezone(CHINA).year  # this year and next: a deadline counted now may run into it
    gaps = Deadlines.from_policy(settings.deadlines).calendar.coverage([year, year + 1])
    if fmt is Format.json:
        document = dataclasses.asdict(report)
        document["attention"] = attention
        document["calendar_missing"] = gaps
        print(json.dumps(scalar(document, Format.json), ensure_ascii=False, default=str))
    elif fmt is Format.csv:
        render(platform_rows(report), PLATFORM_COLUMNS, fmt)
    else:
        _tables(report)
    for gap in gaps:  # said here, once, rather than by every command that meets the year (issue 19)
        note = f"note: the holiday calendar has no data for {gap}: {CALENDAR_TODO.format(year=gap)}"
        err.print(note, highlight=False, markup=False, soft_wrap=True)
    for line in attention:
        err.print(f"[yellow]needs attention:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    if attention:
        raise typer.Exit(EXIT_ATTENTION)


PLATFORM_COLUMNS = [
    "platform",
    "mode",
    "breaker",
    "breaker_since",
    "held",
    "pending",
    "in_flight",
    "dead",
    "quarantined",
    "oldest_pending_at",
    "oldest_pending_seconds",
]
FEED_COLUMNS = ["feed", "cursor", "last_success_at", "lag_seconds", "held", "last_error_at", "last_error"]


def platform_rows(report: StatusReport) -> list[dict[str, Any]]:
    """One row a platform (the CSV output: feeds in their own table, or in the JSON)."""
    return [
        {
            "platform": p.name,
            "mode": p.mode,
            "breaker": p.breaker,
            "breaker_since": p.breaker_since,
            "held": p.held_reason if p.held else "",
            "pending": p.pending,
            "in_flight": p.in_flight,
            "dead": p.dead,
            "quarantined": p.quarantined,
            "oldest_pending_at": p.oldest_pending_at,
            "oldest_pending_seconds": _round(p.oldest_pending_seconds),
        }
        for p in report.platforms
    ]


def feed_rows(report: StatusReport) -> list[dict[str, Any]]:
    return [
        {
            **dataclasses.asdict(f),
            "feed": f"{p.name}/{f.feed}",
            "lag_seconds": _round(f.lag_seconds),
            "held": f.held or "",
        }
        for p in report.platforms
        for f in p.feeds
    ]


def _tables(report: StatusReport) -> None:
    db = report.database
    version = f"{db.current or 'none'}" + ("" if not db.behind else f" (behind: head is {db.head})")
    console.print(f"database {db.dialect} {db.name}, migration {version}", highlight=False)
    render(platform_rows(report), PLATFORM_COLUMNS, Format.table, title="platforms")
    render(feed_rows(report), FEED_COLUMNS, Format.table, title="feeds")
    jobs = [dataclasses.asdict(j) for j in report.jobs]
    render(
        jobs,
        ["job", "last_run_at", "last_status", "last_success_at", "last_failure_at", "last_failure"],
        Format.table,
        title="jobs",
    )
    processes = [
        {**dataclasses.asdict(p), "data_keys": ", ".join(p.data_keys), "state": _state(p.running)}
        for p in report.processes
    ]
    render(processes, ["host", "pid", "state", "seen_at", "data_keys", "active_key"], Format.table, title="processes")
    if report.certificates:
        render(
            [dataclasses.asdict(c) for c in report.certificates],
            ["label", "state", "in_use", "not_after", "days_left", "subject", "path"],
            Format.table,
            title="certificates",
        )
    if report.conditions:
        render(
            [dataclasses.asdict(c) for c in report.conditions],
            ["kind", "subject", "since", "detail"],
            Format.table,
            title="open alert conditions",
        )


def _round(value: float | None) -> int | None:
    return None if value is None else int(value)


def _state(running: bool | None) -> str:
    """A process's state as status can know it: by pid on this host; on another, by its heartbeat alone."""
    return {True: "running", False: "pid not running here (killed?)", None: "heartbeat (other host)"}[running]
