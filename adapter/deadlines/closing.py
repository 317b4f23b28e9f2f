"""Cases, complaints and partner records at risk (`docking deadlines`, the console's deadlines page): every open
deadline closing within a horizon, and every one already passed, soonest first; `kind` says whether the row is a
case's, a complaint's (adapter/deadlines/complaint_sweep.py) or a partner record's (its kind: traffic, arbitration,
roster — adapter/partners/sweep.py)."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.deadlines.complaint_sweep import complaints_closing_within
from adapter.deadlines.compute import DueState
from adapter.deadlines.engine import Deadlines
from adapter.deadlines.sweep import open_case_deadlines
from adapter.errors import InvalidRequest
from adapter.partners.sweep import closing_within as partner_due_dates
from adapter.persistence.engine import UnitOfWork

LIVE = (DueState.OPEN, DueState.DUE_SOON, DueState.OVERDUE)
_SPAN = re.compile(r"^(\d{1,4})([dhw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_span(text: str, name: str) -> timedelta:
    """`3d`, `36h`, `2w` (1–4 digits and a unit: hours, days, weeks); InvalidRequest naming `name` otherwise."""
    match = _SPAN.match(text.strip())
    if match is None and re.fullmatch(r"\d+[dhw]", text.strip()):
        # A span in the right form but too long (99999d) is not "not a span": say what the limit is.
        raise InvalidRequest(f"{name} {text!r} is too long: at most 4 digits (9999d, 9999h or 9999w)")
    if match is None:
        raise InvalidRequest(f"{name} {text!r} is not a span like 3d, 36h or 2w")
    return int(match[1]) * _UNITS[match[2]]


def closing_within(
    uow: UnitOfWork,
    engine: Deadlines,
    now: datetime,
    horizon: timedelta,
    *,
    progress: Callable[[int], None] = lambda n: None,
    complaints: ComplaintDeadlineSettings | None = None,
    partners: Callable[[str, str], Any] | None = None,
) -> list[dict[str, Any]]:
    """One row per live deadline (domain.md §3) that closes within `horizon` of `now` (or has closed): case, its
    court case number (or the court's id), status, deadline kind, last day (China-time date, ISO), state, hours
    left (negative once passed, 0.1 h), whether the calendar was estimated, the rule, and `kind` "case"; with
    `complaints` (the `[complaints.deadlines]` settings) the open complaints' too, `kind` "complaint" (partners.md
    §1 table, on the same calendar); with `partners` (the partners' rules: `rules(partner, kind)`) the open partner
    records' due dates too, `kind` the partner kind (`partner_rows`); soonest first."""
    rows = []
    for item in open_case_deadlines(uow, engine, now, progress=progress):
        for due in item.due:
            left = due.due.closes_at - now
            if due.state in LIVE and left <= horizon:
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
                        "kind": "case",
                    }
                )
    if complaints is not None:
        rows += complaints_closing_within(uow, engine.calendar, complaints, now, horizon, progress=progress)
    if partners is not None:
        rows += partner_rows(partner_due_dates(uow, engine.calendar, partners, now, horizon))
    rows.sort(key=lambda r: r["closes_in_hours"])
    return rows


def partner_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The partner records' due dates (adapter/partners/sweep.py closing_within) as rows of this table: `case` the
    record id (TR-/AR-/RO-…), `court_case` the partner, `deadline` the due date's name, `kind` the partner kind
    (traffic, arbitration, roster); the rule says working or calendar days."""
    return [
        {
            "case": r["record"],
            "court_case": r["partner"],
            "status": r["status"],
            "deadline": r["due"],
            "last_day": r["due_day"],
            "state": r["state"],
            "closes_in_hours": r["closes_in_hours"],
            "estimated": r["estimated"],
            "rule": r["rule"],
            "kind": r["kind"],
        }
        for r in found
    ]
