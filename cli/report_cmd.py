"""`docking report monthly --month 2026-10`: the monthly report to the regulator (工作月报, partners.md §5),
desensitised (small cells suppressed, `[report] min_cell`) and scanned for personal numbers before it is written."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from adapter.report import Month, monthly_report, publish, store
from adapter.report.export import ExportFormat, export
from cli.output import ConfigOption, Format, FormatOption, err, render
from scheduler import bootstrap
from schemas.clock import utc_now

app = typer.Typer(help="Reports to the regulator: the monthly report (工作月报).", no_args_is_help=True)


class ReportFormat(StrEnum):  # typer needs its own enum to list the choices in --help
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command("monthly")
def monthly(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM, China time (e.g. 2026-10).")],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write to FILE (needed for xlsx).")
    ] = None,
    stored: Annotated[
        bool, typer.Option("--stored", help="The report the job on the 1st stored, not a new one.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """The month's figures: cases by source, court, cause, institution and flow; accepted, declined, closed,
    successful, success rate (successful ÷ closed); outcomes; judicial confirmation; amounts; handling time in
    working days; deadlines met; messages. Exits 2 on a bad --month, or if a cell holds a personal number."""
    chosen = Month.parse(month)
    if fmt is ReportFormat.xlsx and output is None:
        raise InvalidRequest("--format xlsx writes a workbook: give --output FILE (e.g. --output report-2026-10.xlsx)")
    settings = bootstrap.load(config)
    uow = bootstrap.open_store(settings, read_only=True)
    if stored:
        kept = store.load(uow, chosen)
        if kept is None:
            raise InvalidRequest(
                f"no stored report for {chosen}: the job stores last month's on the 1st; without --stored it is "
                "computed now"
            )
        report = kept.report
    else:
        if chosen.start > utc_now():
            raise InvalidRequest(f"--month {chosen} has not begun (months are China time)")
        report = monthly_report(uow, chosen, settings, utc_now)
        if chosen.end > utc_now():
            err.print(f"note: {chosen} is not over yet: these are its figures so far", highlight=False)
    body = export(publish(report, settings), ExportFormat(fmt.value))
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise InvalidRequest(f"cannot write --output {output}: {exc.strerror}") from None
    err.print(f"monthly report {chosen} written to {output} ({fmt.value})", highlight=False)


@app.command("stored")
def stored_reports(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """The reports the job on the 1st has stored: month, when computed (China time), SHA-256 of the stored body."""
    uow = bootstrap.open_store(bootstrap.load(config), read_only=True)
    rows = [{"month": m, "computed_at": at, "sha256": digest} for m, at, digest in store.stored_months(uow)]
    render(rows, ["month", "computed_at", "sha256"], fmt, title="stored monthly reports")
    if fmt is Format.table and not rows:
        err.print("no report stored yet: the job stores last month's on the 1st (China time)")
