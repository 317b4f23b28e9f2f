"""The monthly report over a known month (tests/support/report_data.py) equals the figures worked out by hand,
on a real SQLite database built with the real use cases; and what leaves it is desensitised and scanned."""

import io
import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, PieChart
from sqlmodel import select

from adapter import stats
from adapter.config.settings import ReportSettings, Settings
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.report_tables import MonthlyReportRow
from adapter.persistence.tables import JobRunRow
from adapter.report import Month, MonthlyReport, PiiFound, compute, desensitise, store
from adapter.report.export import ExportFormat, export
from adapter.report.model import table
from adapter.testing import FakeClock
from scheduler import build_runtime
from schemas.clock import CHINA
from tests.support import report_data
from tests.support.report_data import COMPUTED, HEADLINE, NOVEMBER, TABLES

pytestmark = pytest.mark.integration


@pytest.fixture
def november(uow: UnitOfWork) -> MonthlyReport:
    report_data.build(uow)
    return compute(uow, NOVEMBER, clock=lambda: COMPUTED, partner_clients=[report_data.PARTNER])


# Worked out by hand from the data set's table (working days: November 2026 has no holiday).


@pytest.mark.parametrize(("key", "expected"), HEADLINE.items(), ids=HEADLINE.keys())
def test_each_headline_figure_equals_the_hand_computed_one(november: MonthlyReport, key: str, expected: object) -> None:
    """Every figure of the known month, one at a time."""
    figures = {f.key: f.value for f in november.headline()}
    assert figures[key] == expected
    assert set(figures) == set(HEADLINE), "no figure added or dropped without a hand-computed value"


@pytest.mark.parametrize(("key", "expected"), TABLES.items(), ids=TABLES.keys())
def test_each_breakdown_equals_the_hand_computed_one(november: MonthlyReport, key: str, expected: dict) -> None:
    """Every breakdown row of the known month; each cross-foots to its headline figure."""
    assert dict(november.table(key).rows) == expected
    assert [t.key for t in november.tables] == list(TABLES)


def test_breakdowns_cross_foot_to_the_headline(november: MonthlyReport) -> None:
    """partners.md §5 "totals cross-foot": each breakdown of cases received sums to the cases received."""
    for key in ("received_by_source", "received_by_court", "received_by_cause", "received_by_institution"):
        assert november.table(key).total == november.received
    assert november.table("closed_by_outcome").total == november.closed


def test_october_counts_what_closed_in_october_in_working_days_with_the_make_up_saturday(uow: UnitOfWork) -> None:
    """The month boundary: K0 (received in September) and K2 closed in October, K1 was only received and accepted
    there. Handling time: K0 4 working days (10-08, 10-09, the 调休 Saturday 10-10, 10-12 — National Day skipped),
    K2 4 (10-27 to 10-30): mean 4.0 — 3.5 had the make-up Saturday been a rest day, 6.0 counting weekdays only."""
    report_data.build(uow)
    october = compute(uow, Month(2026, 10), clock=lambda: COMPUTED)
    assert (october.received, october.accepted, october.closed, october.successful) == (2, 3, 2, 0)
    assert october.success_rate == Decimal("0.00")
    assert (october.handling_days_mean, october.handling_days_median) == (Decimal("4.0"), Decimal("4.0"))
    assert dict(october.table("closed_by_outcome").rows) == {
        "4 party refuses to continue 拒绝继续": 1,
        "5 positions too far apart 分歧过大": 1,
    }
    assert dict(october.table("received_by_source").rows) == {"court 法院": 2}, "no partner_clients: none"


def test_an_empty_month_has_no_rate_rather_than_zero(uow: UnitOfWork) -> None:
    """Nothing closed: the success rate is undefined, not 0 %."""
    report = compute(uow, Month(2026, 1), clock=lambda: COMPUTED)
    assert report.closed == 0 and report.success_rate is None and report.handling_days_mean is None


def test_the_stored_form_reads_back_the_same(november: MonthlyReport) -> None:
    """to_dict → from_dict keeps every figure and row (what the job stores)."""
    again = MonthlyReport.from_dict(november.to_dict())
    assert again.headline() == november.headline() and again.tables == november.tables


def test_the_xlsx_opens_and_holds_the_tables_and_native_charts(november: MonthlyReport) -> None:
    """openpyxl reads the workbook back: a summary, one sheet per breakdown, bar and pie charts."""
    book = openpyxl.load_workbook(io.BytesIO(export(desensitise(november, 1), ExportFormat.xlsx)))
    assert book.sheetnames == ["Summary", *TABLES]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Success rate 调解成功率 (successful ÷ closed)"] == 50
    charts = {name: book[name]._charts for name in TABLES}
    assert isinstance(charts["closed_by_outcome"][0], PieChart)
    assert isinstance(charts["received_by_court"][0], BarChart)
    assert all(len(c) == 1 for c in charts.values()), "a chart on every breakdown"
    court = {r[0]: r[1] for r in book["received_by_court"].iter_rows(min_row=3, max_col=2, values_only=True)}
    assert court == {
        "广州市越秀区人民法院 (粤0104)": 3,
        "广州市天河区人民法院 (粤0106)": 1,
        "— no court (flow C) 无": 2,
        "total": 6,
    }


def test_small_cells_are_hidden_in_the_xlsx_and_left_out_of_its_charts(november: MonthlyReport) -> None:
    """min_cell 3: 粤0106's 1 case and, complementary, flow C's 2 are "<3"; all three outcomes are hidden (1, 1
    and then 2 to reach 3), so that sheet has no chart; the total stays."""
    book = openpyxl.load_workbook(io.BytesIO(export(desensitise(november, 3), ExportFormat.xlsx)))
    court = {r[0]: r[1] for r in book["received_by_court"].iter_rows(min_row=3, max_col=2, values_only=True)}
    assert court == {
        "广州市越秀区人民法院 (粤0104)": 3,
        "广州市天河区人民法院 (粤0106)": "<3",
        "— no court (flow C) 无": "<3",
        "total": 6,
    }
    chart_data = [
        r for r in book["received_by_court"].iter_rows(min_row=3, min_col=4, max_col=5, values_only=True) if r[0]
    ]
    assert chart_data == [("广州市越秀区人民法院 (粤0104)", 3)], "only shown cells are plotted"
    assert book["closed_by_outcome"]._charts == [] and book["received_by_court"]._charts != []


def test_no_export_holds_a_personal_number_of_the_data_set(november: MonthlyReport) -> None:
    """The dispatches carry an ID, phones and a USCC; none reaches any format."""
    published = desensitise(november, 3)
    for fmt in ExportFormat:
        body = export(published, fmt)
        text = body.decode("utf-8-sig") if fmt is not ExportFormat.xlsx else body.decode("latin-1")
        for number in ("110105198503071230", "13812345678", "02087654321", "914400001234567899"):
            assert number not in text, fmt


PLANTED = {
    "ID in a court name": ("court_name", "天河法院 110105198503071230", "received_by_court", "resident ID"),
    "mobile in a cause": ("cause", "信用卡纠纷 13812345678", "received_by_cause", "mobile number"),
    "card in a cause": ("cause", "卡号6222021234567894纠纷", "received_by_cause", "bank card number"),
}


@pytest.mark.parametrize(("field", "planted", "key", "kind"), PLANTED.values(), ids=PLANTED.keys())
def test_a_planted_number_fails_every_export_closed(
    uow: UnitOfWork, field: str, planted: str, key: str, kind: str
) -> None:
    """A dispatch with a personal number typed into a field the report groups by: every format refuses, naming
    the table and row, the number masked — suppression does not hide a label, so the scan runs on all of them."""
    month = report_data.Month(uow)
    for name in ("X1", "X2", "X3"):
        month.court_case(name, report_data.at(11, 3), report_data.Flow.DELEGATED, "粤0104", "1.00")
    month.court_case("X4", report_data.at(11, 4), report_data.Flow.DELEGATED, "粤0106", "1.00", **{field: planted})
    published = desensitise(compute(uow, NOVEMBER, clock=lambda: COMPUTED), 3)
    for fmt in ExportFormat:
        with pytest.raises(PiiFound) as refused:
            export(published, fmt)
        message = str(refused.value)
        assert f"table {key!r} row 2 (" in message and kind in message, message
        digits = "".join(c for c in planted if c.isdigit())
        assert digits not in message and "*" in message


def test_the_job_on_the_1st_stores_last_months_report(tmp_path: Path) -> None:
    """At 06:00 China time on 12-01 (22:00 UTC on 11-30) the job stores November's report, once; the stored body
    reads back as computed, its digest checks, and job_runs keeps the headline figures."""
    clock = FakeClock(datetime(2026, 12, 1, 6, 0, tzinfo=CHINA))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/jobs.db", report=ReportSettings(partner_clients=[report_data.PARTNER])
    )
    runtime = build_runtime(settings, clock=clock)
    report_data.build(runtime.uow)
    assert runtime.routines is not None
    clock.now = datetime(2026, 12, 1, 5, 59, tzinfo=CHINA)
    assert runtime.routines.monthly_report() and store.stored_months(runtime.uow)[0][0] == "2026-10", "not yet due"
    clock.now = datetime(2026, 12, 1, 6, 0, tzinfo=CHINA)
    assert runtime.routines.monthly_report() and not runtime.routines.monthly_report(), "once a month"
    stored = store.load(runtime.uow, NOVEMBER)
    assert stored is not None
    expected = compute(runtime.uow, NOVEMBER, clock=clock, partner_clients=[report_data.PARTNER])
    assert stored.report.headline() == expected.headline() and stored.report.tables == expected.tables
    with runtime.uow.begin() as session:
        run = session.exec(select(JobRunRow).where(JobRunRow.period == "2026-11")).one()
    detail = json.loads(run.detail)
    assert run.status == "ok" and detail["success_rate"] == "50.00" and detail["sha256"] == stored.sha256


def test_an_altered_stored_report_is_refused(uow: UnitOfWork, november: MonthlyReport) -> None:
    """The digest is checked on reading: a body edited in the database is not passed on."""
    store.save(uow, november)
    with uow.begin() as session:
        row = session.get(MonthlyReportRow, "2026-11")
        assert row is not None
        row.body_json = row.body_json.replace('"received":6', '"received":7')
        session.add(row)
    with pytest.raises(ValueError, match="altered"):
        store.load(uow, NOVEMBER)


def test_a_report_with_a_personal_number_is_not_stored(uow: UnitOfWork, november: MonthlyReport) -> None:
    """The job's store refuses what an export would: nothing is written."""
    planted = replace(november, tables=(table("received_by_cause", "Cause", "cause", {"张三 13812345678": 6}),))
    with pytest.raises(PiiFound, match="mobile number"):
        store.save(uow, planted)
    assert store.stored_months(uow) == []


def test_stats_monthly_gives_the_reports_figures_under_its_old_names(uow: UnitOfWork) -> None:
    """adapter.stats.monthly is a view of the report, not a second definition; it takes one China-time month."""
    report_data.build(uow)
    figures = stats.monthly(uow, NOVEMBER.start, NOVEMBER.end)
    assert figures["received"] == 6 and figures["settled"] == 2 and figures["failed"] == 2
    assert figures["received_by_flow"] == {"delegated": 3, "entrusted": 1, "self_received": 2}
    assert figures["jc_confirmed"] == 1 and figures["messages_dead"] == 0
    with pytest.raises(ValueError, match="one China-time month"):
        stats.monthly(uow, NOVEMBER.start, NOVEMBER.start.replace(day=15))
