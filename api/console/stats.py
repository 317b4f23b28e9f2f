"""/console/stats — the monthly report (工作月报, adapter/report/): the same desensitised, scanned figures as
`docking report monthly`, as bar charts (inline SVG) and tables, and its xlsx for download."""

from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from adapter.errors import DockingError
from adapter.report import Month, PublishedReport, monthly_report, publish
from adapter.report.export import ExportFormat, export
from api.access import context
from api.console.charts import bars
from api.console.session import PATH, LoggedIn
from api.console.views import HEADERS, View

router = APIRouter(prefix=PATH, include_in_schema=False)
# The headline figures drawn as bars, by the unit they share (a chart of cases, one of complaints, one of messages).
CHARTED = {"cases": "Cases 案件", "complaints": "Complaints 投诉", "messages": "Messages to courts 消息"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _published(request: Request, month: Month) -> PublishedReport:
    ctx = context(request)
    return publish(monthly_report(ctx.reads, month, ctx.settings, ctx.clock), ctx.settings)


def _month(request: Request) -> Month:
    """`?month=YYYY-MM`, else the current China-time month; InvalidMonth naming the input."""
    given = request.query_params.get("month", "").strip()
    return Month.parse(given) if given else Month.containing(context(request).clock())


@router.get("/stats")
def stats(request: Request, op: LoggedIn, view: View) -> Response:
    try:
        month = _month(request)
        report = _published(request, month)
    except DockingError as exc:  # a bad month, or a cell the scanner refuses (adapter/report/pii.py)
        return view.refusal(request, op, exc, back=f"{PATH}/stats", tab="stats")
    charts = [
        (title, bars([(f.label, _count(f.value)) for f in report.figures if f.unit == unit], title=title))
        for unit, title in CHARTED.items()
    ]
    charts += [(t.title, bars(t.rows, title=t.title, hidden=report.hidden)) for t in report.tables if t.rows]
    this_month = Month.containing(context(request).clock())
    return view.render(
        request,
        "stats.html",
        op=op,
        tab="stats",
        report=report,
        month=str(month),
        previous=str(month.previous()),
        following=str(month.next()) if month < this_month else "",
        so_far=month == this_month,
        charts=charts,
    )


@router.get("/stats/report.xlsx")
def workbook(request: Request, op: LoggedIn, view: View) -> Response:
    """The month's report as the CLI's `--format xlsx` writes it (native charts), for download."""
    try:
        month = _month(request)
        body = export(_published(request, month), ExportFormat.xlsx)
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/stats", tab="stats")
    disposition = f'attachment; filename="monthly-report-{month}.xlsx"'
    return Response(body, media_type=XLSX, headers={**HEADERS, "Content-Disposition": disposition})


def _count(value: int | Decimal | None) -> int | None:
    return None if value is None else int(value)
