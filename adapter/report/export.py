"""The report's exports: text table, JSON, CSV, XLSX — each written only after pii.scan() passes.

- table: plain text for a terminal, suppressed cells as "<min_cell";
- json: PublishedReport.to_dict() (definitions embedded), UTF-8, keys in order;
- csv: long form, one figure or cell a row: section,key,label,value,unit (UTF-8 with BOM, so Excel reads 中文);
- xlsx: openpyxl — a Summary sheet (figures, definitions), one sheet per breakdown, native charts (bar charts of
  the breakdowns, a pie of the outcomes). Charts plot the cells shown: suppressed ones are left out, and say so.
"""

import csv
import io
import json
import unicodedata
from datetime import datetime
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from adapter.report.desensitise import DEFINITIONS, PublishedReport, PublishedTable
from adapter.report.pii import scan
from schemas.clock import china_text

PIE_TABLES = frozenset({"closed_by_outcome", "received_by_source"})


class ExportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


def export(report: PublishedReport, fmt: ExportFormat) -> bytes:
    """The report in `fmt` as bytes (text formats UTF-8). PiiFound (pii.py) before anything is written."""
    scan(report)
    if fmt is ExportFormat.json:
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2).encode() + b"\n"
    if fmt is ExportFormat.csv:
        return _csv(report).encode("utf-8-sig")
    if fmt is ExportFormat.xlsx:
        return _xlsx(report)
    return _text(report).encode()


def _value(value: object) -> str:
    return "—" if value is None else str(value)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _text(report: PublishedReport) -> str:
    computed = china_text(datetime.fromisoformat(report.computed_at))
    lines = [f"Monthly report 工作月报 {report.month} (China time) — computed {computed}", ""]
    width = max(_width(f.label) for f in report.figures)
    lines += [f"  {_left(f.label, width)}  {_value(f.value):>14} {f.unit}" for f in report.figures]
    for table in report.tables:
        lines += ["", f"{table.title} (by {table.column})"]
        if not table.rows:
            lines.append("  (none)")
        label_width = max([_width(label) for label, _ in table.rows] + [5])
        lines += [f"  {_left(label, label_width)}  {report.shown(n):>6}" for label, n in table.rows]
        lines.append(f"  {_left('total', label_width)}  {report.shown(table.total):>6}")
    lines += ["", f"Cells of 1 to {report.min_cell - 1} cases are shown as {report.hidden} (with complementary cells)."]
    return "\n".join(lines) + "\n"


def _csv(report: PublishedReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "label", "value", "unit"])
    writer.writerow(["report", "month", "month", str(report.month), "CST"])
    writer.writerow(["report", "computed_at", "computed at", report.computed_at, "CST"])
    writer.writerow(["report", "min_cell", "suppressed below", report.min_cell, "cases"])
    for f in report.figures:
        writer.writerow(["figure", f.key, f.label, "" if f.value is None else str(f.value), f.unit])
    for table in report.tables:
        for label, n in table.rows:
            writer.writerow([table.key, table.column, label, report.shown(n), "count"])
        writer.writerow([table.key, table.column, "total", report.shown(table.total), "count"])
    return out.getvalue()


def _xlsx(report: PublishedReport) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append([f"Monthly report 工作月报 {report.month}", f"computed {report.computed_at} (CST)"])
    summary["A1"].font = Font(bold=True)
    summary.append([])
    summary.append(["Figure", "Value", "Unit"])
    for f in report.figures:
        # Numbers as numbers (Decimal kept exact: openpyxl writes its decimal text), "—" where undefined.
        summary.append([f.label, "—" if f.value is None else f.value, f.unit])
    summary.append([])
    summary.append(["Definitions"])
    for key, text in DEFINITIONS.items():
        summary.append([key, text])
    summary.append(["suppression", f"cells of 1 to {report.min_cell - 1} cases shown as {report.hidden}"])
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 18
    for table in report.tables:
        _sheet(book, report, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, report: PublishedReport, table: PublishedTable) -> Worksheet:
    sheet = book.create_sheet(table.key[:31])  # Excel's sheet-name limit
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([table.column, "cases"])
    for label, n in table.rows:
        sheet.append([label, report.hidden if n is None else n])
    sheet.append(["total", report.hidden if table.total is None else table.total])
    sheet.column_dimensions["A"].width = 40
    # The chart's data: the cells shown, in columns D:E, so suppressed cells are not plotted as zero.
    shown = [(label, n) for label, n in table.rows if n is not None]
    sheet["D2"], sheet["E2"] = table.column, "cases"
    for row, (label, n) in enumerate(shown, start=3):
        sheet.cell(row=row, column=4, value=label)
        sheet.cell(row=row, column=5, value=n)
    if shown:
        last = 2 + len(shown)
        chart: BarChart | PieChart = PieChart() if table.key in PIE_TABLES else BarChart()
        chart.title = table.title + (f" (cells {report.hidden} not plotted)" if table.suppressed else "")
        chart.add_data(Reference(sheet, min_col=5, min_row=2, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=4, min_row=3, max_row=last))
        if isinstance(chart, BarChart):
            chart.type, chart.y_axis.title, chart.legend = "bar", "cases", None
        sheet.add_chart(chart, "G2")
    return sheet
