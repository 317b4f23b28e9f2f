"""The monthly report's complaint figures without a database (adapter/report/complaint_figures.py): a known set of
complaints and their history in, the figures of partners.md §5 out, each worked out by hand."""

from datetime import datetime
from decimal import Decimal

import pytest

from adapter.complaints.states import ComplaintEvent
from adapter.complaints.working_days import small_claim_working_days
from adapter.deadlines import WorkCalendar
from adapter.report import Month
from adapter.report.complaint_figures import (
    ComplaintFigures,
    ReportComplaint,
    ReportComplaintEvent,
    complaint_figures,
)
from schemas.clock import CHINA

NOVEMBER = Month(2026, 11)
E = ComplaintEvent


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CHINA)


def complaint(cid: str, received: datetime, **kw: object) -> ReportComplaint:
    values: dict[str, object] = {"channel": "phone", "institution_kind": "bank", "institution_name": "某某银行",
                                 "business": "B0302", "track": "general", **kw}  # fmt: skip
    return ReportComplaint(id=cid, received_at=received, **values)  # type: ignore[arg-type]


def event(n: int, cid: str, name: ComplaintEvent, when: datetime) -> ReportComplaintEvent:
    return ReportComplaintEvent(id=n, complaint_id=cid, at=when, event=name.value)


# P1 phone, forwarded the same day, decided upheld ¥300. P2 web at 18:00, forwarded the next morning, rejected.
# P3 WeChat small claim, received Mon 11-02, decided 11-05, paid Tue 11-10 (6 working days) ¥1200.
# P4 insurer letter, converted to mediation. P5 received in October, settled (¥50) in November: not received here.
COMPLAINTS = {
    "P1": complaint("P1", at(11, 2), decision_result="upheld", remedy_amount="300.00"),
    "P2": complaint("P2", at(11, 3, 18), channel="web", decision_result="rejected", remedy_amount="0.00"),
    "P3": complaint(
        "P3", at(11, 2), channel="wechat", track="small_claim", remedy_amount="1200.00", paid_at=at(11, 10)
    ),
    "P4": complaint(
        "P4",
        at(11, 4),
        channel="letter",
        institution_kind="insurer",
        institution_name="某某保险",
        business="L0206",
    ),
    "P5": complaint("P5", at(10, 28), decision_result="settled", remedy_amount="50.00"),
}
EVENTS = [
    event(1, "P1", E.FORWARD, at(11, 2, 11)),
    event(2, "P1", E.DECIDE, at(11, 12)),
    event(3, "P2", E.FORWARD, at(11, 4, 9)),
    event(4, "P2", E.DECIDE, at(11, 20)),
    event(5, "P3", E.FORWARD, at(11, 2, 12)),
    event(6, "P3", E.SMALL_CLAIM_DECIDE, at(11, 5)),
    event(7, "P3", E.SMALL_CLAIM_PAID, at(11, 10)),
    event(8, "P4", E.FORWARD, at(11, 4, 15)),
    event(9, "P4", E.CONVERT_TO_MEDIATION, at(11, 25)),
    event(10, "P5", E.DECIDE, at(11, 3)),
]


def _working_days(received: datetime, paid: datetime) -> int:
    return small_claim_working_days(received, paid, WorkCalendar()).days


@pytest.fixture
def figures() -> ComplaintFigures:
    received = [c for c in COMPLAINTS.values() if NOVEMBER.start <= c.received_at < NOVEMBER.end]
    return complaint_figures(NOVEMBER, received, COMPLAINTS, EVENTS, _working_days)


HEADLINE = {
    "received": 4,
    "forwarded": 4,
    "forwarded_same_day": 3,  # P2 came in at 18:00 and went out the next morning
    "settled": 3,  # P1 upheld, P3 paid, P5 settled; P2 rejected is decided, not settled
    "settled_amount": Decimal("1550.00"),
    "small_claims": 1,
    "small_claim_days_avg": Decimal("6.0"),  # Tue 11-03 … Tue 11-10: 6 working days
    "to_mediation": 1,
}


@pytest.mark.parametrize(("key", "expected"), HEADLINE.items(), ids=HEADLINE.keys())
def test_each_complaint_figure_equals_the_hand_computed_one(
    figures: ComplaintFigures, key: str, expected: object
) -> None:
    """Every headline complaint figure of the known month."""
    assert getattr(figures, key) == expected


TABLES = {
    "complaints_by_channel": {"phone 电话": 1, "web 网站": 1, "WeChat 微信": 1, "letter 信函": 1},
    "complaints_by_institution_type": {"bank 银行": 3, "insurer 保险": 1},
    "complaints_by_business": {"B03 银行卡类": 3, "L02 人身保险": 1},
    "complaints_by_institution": {"某某银行": 3, "某某保险": 1},
    "complaints_by_track": {"general 一般": 3, "small claim 小额快速": 1},
}


@pytest.mark.parametrize(("key", "expected"), TABLES.items(), ids=TABLES.keys())
def test_each_breakdown_cross_foots_to_the_complaints_received(
    figures: ComplaintFigures, key: str, expected: dict[str, int]
) -> None:
    """Every breakdown of the complaints received, each summing to the complaints received."""
    found = next(t for t in figures.tables if t.key == key)
    assert dict(found.rows) == expected and found.total == figures.received


def test_a_month_without_small_claims_paid_has_no_average_rather_than_zero() -> None:
    """Undefined, not 0: no small claim was paid in the month."""
    empty = complaint_figures(NOVEMBER, [], {}, [], _working_days)
    assert empty.small_claim_days_avg is None and empty.settled_amount == Decimal("0.00") and empty.received == 0


def test_a_complaint_decided_and_paid_twice_in_the_month_counts_once_as_settled() -> None:
    """A repeat of the same event in the month (a decision reviewed and decided again) counts the complaint once."""
    events = [*EVENTS, event(11, "P1", E.DECIDE, at(11, 13))]
    again = complaint_figures(NOVEMBER, [], COMPLAINTS, events, _working_days)
    assert again.settled == 3 and again.settled_amount == Decimal("1550.00")
