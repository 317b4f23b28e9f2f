"""Monthly statistics with charts (adapter/stats.py `monthly`): one China-time month's figures, as bars."""

import re
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from adapter.errors import DockingError, InvalidRequest
from adapter.stats import monthly
from api.access import context
from api.console.charts import bars
from api.console.session import PATH, LoggedIn
from api.console.views import View
from schemas.clock import CHINA, from_db

router = APIRouter(prefix=PATH, include_in_schema=False)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
OUTCOMES = ("accepted", "declined", "acceptance_overdue", "settled", "failed")
JC = ("jc_applied", "jc_confirmed", "jc_rejected", "jc_not_accepted")
MESSAGES = ("messages_delivered", "messages_dead", "quarantined", "deadline_alerts")
TREND_MONTHS = 6


def month_start(text: str) -> date:
    """`2026-10` → its first day; InvalidRequest naming the input otherwise."""
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise InvalidRequest(f"month {text!r} is not a month like 2026-10")
    return date(int(match[1]), int(match[2]), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def figures(ctx: Any, first: date) -> dict[str, Any]:
    """One China-time month: from its first midnight CST up to the next month's."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=CHINA)

    return monthly(ctx.reads, midnight(first), midnight(next_month(first)))


@router.get("/stats")
def stats(request: Request, op: LoggedIn, view: View) -> Response:
    ctx = context(request)
    this_month = from_db(ctx.clock()).astimezone(CHINA).date().replace(day=1)
    try:
        first = month_start(request.query_params.get("month") or this_month.strftime("%Y-%m"))
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/stats", tab="stats")
    month = figures(ctx, first)
    trend, day = [], first
    for _ in range(TREND_MONTHS):
        trend.append((day.strftime("%Y-%m"), figures(ctx, day)["received"]))
        day = previous_month(day)
    series = [
        ("Cases received by flow", sorted(month["received_by_flow"].items())),
        ("What happened to cases", [(k.replace("_", " "), month[k]) for k in OUTCOMES]),
        ("Judicial confirmation", [(k.replace("_", " "), month[k]) for k in JC]),
        ("Messages and alerts", [(k.replace("_", " "), month[k]) for k in MESSAGES]),
        (f"Cases received, last {TREND_MONTHS} months", list(reversed(trend))),
    ]
    charts = [(title, bars(items, title=title)) for title, items in series]
    return view.render(
        request,
        "stats.html",
        op=op,
        tab="stats",
        month=first.strftime("%Y-%m"),
        previous=previous_month(first).strftime("%Y-%m"),
        following=next_month(first).strftime("%Y-%m") if first < this_month else "",
        figures=month,
        charts=charts,
    )
