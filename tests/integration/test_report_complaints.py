"""The complaint figures of the monthly report on a real database (tests/support/report_complaints.py): the month
a complaint converts to mediation counts it, a report stored before complaints were counted still reads, and the
published report shows the complaint figures with small cells suppressed and no personal number."""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from adapter.persistence.engine import UnitOfWork
from adapter.report import Month, MonthlyReport, compute, desensitise
from adapter.report.export import ExportFormat, export
from schemas.clock import CHINA
from tests.support import report_complaints, report_data
from tests.support.report_data import NOVEMBER

pytestmark = pytest.mark.integration
LATER = datetime(2027, 1, 1, 6, 0, tzinfo=CHINA)


def test_december_counts_the_conversion_to_mediation_and_its_case(uow: UnitOfWork) -> None:
    """Q4 converts on 12-01: December's report counts it, and its flow-C case among the cases received."""
    report_data.build(uow)
    december = compute(uow, Month(2026, 12), clock=lambda: LATER)
    assert (december.complaints, december.complaints_to_mediation) == (0, 1)
    assert december.table("received_by_flow").rows == (("A delegated 委派", 1), ("C self-received 自收", 1))


def test_a_report_stored_before_complaints_were_counted_reads_with_none(uow: UnitOfWork) -> None:
    report_data.build(uow)
    november = compute(uow, NOVEMBER, clock=lambda: LATER)
    stored = november.to_dict()
    stored["figures"] = {k: v for k, v in stored["figures"].items() if k not in report_complaints.HEADLINE}
    stored["tables"] = [t for t in stored["tables"] if t["key"] not in report_complaints.TABLES]
    old = MonthlyReport.from_dict(stored)
    assert (old.complaints, old.complaints_settled_amount, old.small_claim_working_days_avg) == (
        0,
        Decimal("0.00"),
        None,
    )
    assert old.received == november.received


def test_the_published_complaint_figures_hide_small_cells_and_hold_no_personal_number(uow: UnitOfWork) -> None:
    report_data.build(uow)
    published = desensitise(compute(uow, NOVEMBER, clock=lambda: LATER), 3)
    channel = dict(published.table("complaints_by_channel").rows)
    assert channel["phone 电话"] is None and published.table("complaints_by_channel").total == 5  # 2 < 3: hidden
    doc = json.loads(export(published, ExportFormat.json))
    figures = {f["key"]: f["value"] for f in doc["figures"]}
    assert figures["complaints_settled_amount"] == "2000.00" and figures["small_claim_working_days_avg"] == "5.0"
    text = export(published, ExportFormat.csv).decode("utf-8-sig")
    assert all(person not in text for person in report_complaints.PEOPLE.values())
