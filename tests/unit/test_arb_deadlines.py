"""Arbitration due dates (partners.md §3 table), table-driven, on the real holiday calendar: calendar days counted
from the next day, a last day on a rest day running to the next working day [S3 Art 85]; months for set-aside;
a 调解书 in effect when the last party signs [P21 Arts 51–52]; the law version by date around 2026-03-01; fees."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.partners.arbitration.deadlines import add_months, due_dates, statement_effective_at
from adapter.partners.arbitration.facts import dump
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.spec import PartnerDue
from reference.arbitration_fees import fee_table, shipped
from schemas.clock import CHINA
from tests.support.arb_samples import digest, record

CAL = WorkCalendar()
RULES = CommissionRules()


def cst(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


def due(status: str, facts: dict[str, Any], now: datetime, name: str, **kw: Any) -> PartnerDue:
    history = kw.pop("history", [])
    found = [d for d in due_dates(record(status, facts), history, CAL, now, kw.pop("rules", RULES)) if d.name == name]
    assert len(found) == 1, f"{name} not among the due dates"
    return found[0]


def last_day(d: PartnerDue) -> date:
    assert d.due_at is not None
    return (d.due_at.astimezone(CHINA) - timedelta(days=1)).date()


# received at (China time) → the acceptance period's last day
ACCEPTANCE = [
    ("ordinary week", cst(2026, 6, 3), date(2026, 6, 8)),
    ("fifth day a Saturday", cst(2026, 6, 1), date(2026, 6, 8)),
    ("fifth day a Sunday", cst(2026, 6, 2), date(2026, 6, 8)),
    ("just after midnight China time counts that China day", cst(2026, 6, 4, 0, 30), date(2026, 6, 9)),
    ("fifth day inside National Day: runs to the holiday's end", cst(2026, 9, 28), date(2026, 10, 8)),
    ("fifth day inside Spring Festival", cst(2026, 2, 10), date(2026, 2, 24)),
    ("rest days inside the period count", cst(2026, 9, 30, 18), date(2026, 10, 8)),
]


@pytest.mark.parametrize(("case", "received", "expected"), ACCEPTANCE, ids=[a[0] for a in ACCEPTANCE])
def test_acceptance_within_5_calendar_days_of_receipt(case: str, received: datetime, expected: date) -> None:
    d = due("SUBMITTED", dump(submitted_at=received - timedelta(hours=1), received_at=received), received, "acceptance")
    assert last_day(d) == expected and d.counting == "calendar" and not d.estimated
    assert "Art 24" in d.rule and "5 calendar days" in d.rule


@pytest.mark.parametrize(
    ("status", "facts", "now", "state"),
    [
        ("SUBMITTED", {}, cst(2026, 10, 1), DueState.OPEN),
        ("SUBMITTED", {}, cst(2026, 10, 8, 9), DueState.DUE_SOON),
        ("SUBMITTED", {}, cst(2026, 10, 9, 0, 0), DueState.OVERDUE),
        ("ACCEPTED", {"accepted_at": cst(2026, 10, 8, 17)}, cst(2026, 10, 9), DueState.MET),
        ("ACCEPTED", {"accepted_at": cst(2026, 10, 9, 9)}, cst(2026, 10, 9), DueState.LATE),
        ("WITHDRAWN", {}, cst(2026, 10, 20), DueState.LAPSED),
    ],
)
def test_acceptance_states(status: str, facts: dict[str, Any], now: datetime, state: DueState) -> None:
    assert due(status, dump(received_at=cst(2026, 9, 28), **facts), now, "acceptance").state is state


def test_acceptance_refused_in_time_is_met_and_the_clock_falls_back_to_our_send() -> None:
    refused = {"reason": "no_agreement", "refused_at": cst(2026, 6, 5).isoformat()}
    assert due("REFUSED", dump(received_at=cst(2026, 6, 3), refused=refused), cst(2026, 7, 1), "acceptance").state is (
        DueState.MET
    )
    # No receipt reported: counted from our submission (facts, or the history's submit)
    assert last_day(due("SUBMITTED", dump(submitted_at=cst(2026, 6, 3)), cst(2026, 6, 4), "acceptance")) == date(
        2026, 6, 8
    )
    history = [(cst(2026, 6, 3).astimezone(UTC), "submit")]
    assert last_day(due("SUBMITTED", {}, cst(2026, 6, 4), "acceptance", history=history)) == date(2026, 6, 8)


def test_fee_payment_by_the_notice_or_the_rule_and_arbitrator_choice() -> None:
    accepted = cst(2026, 6, 3)
    notice_sunday = {"amount": "4560.00", "due": "2026-06-14"}
    d = due("ACCEPTED", dump(accepted_at=accepted, fee_notice=notice_sunday), accepted, "fee_payment")
    assert last_day(d) == date(2026, 6, 15)  # a notice's last day on a Sunday runs to Monday
    d = due("ACCEPTED", dump(accepted_at=accepted, fee_notice={"amount": "4560.00"}), accepted, "fee_payment")
    assert last_day(d) == date(2026, 6, 10) and "unconfirmed" in d.rule  # 7 days, the default
    paid = due("FEE_PAID", dump(accepted_at=accepted, fee_paid_at=cst(2026, 6, 9)), cst(2026, 7, 1), "fee_payment")
    assert paid.state is DueState.MET
    choice = due("FEE_PAID", dump(accepted_at=accepted), cst(2026, 6, 9), "arbitrator_choice")
    assert last_day(choice) == date(2026, 6, 8) and choice.state is DueState.OVERDUE
    choice = due(
        "TRIBUNAL_FORMED",
        dump(accepted_at=accepted, tribunal_formed_at=cst(2026, 6, 8)),
        cst(2026, 6, 9),
        "arbitrator_choice",
    )
    assert choice.state is DueState.MET


def award(issued: datetime, **served: datetime) -> dict[str, Any]:
    body = {"kind": "award", "number": "(2026)穗仲案字第1号", "issued_at": issued.isoformat(), "pdf": digest(9)}
    return dump(instrument=body, effective_at=issued, served=served)


MAR10, SEP10 = cst(2026, 3, 10), date(2026, 9, 10)
P, EFF = pytest.param, "EFFECTIVE"
# award received, now, set-aside filed at or None, status → the window's last day and state
SET_ASIDE = [
    P(MAR10, cst(2026, 8, 15), None, EFF, SEP10, DueState.OPEN, id="month five, nothing filed: open"),
    P(MAR10, cst(2026, 8, 20), cst(2026, 8, 15), "SET_ASIDE_PENDING", SEP10, DueState.MET, id="filed in month five"),
    P(MAR10, cst(2026, 10, 12), None, EFF, SEP10, DueState.LAPSED, id="month seven, nothing filed: lapsed"),
    P(MAR10, cst(2026, 9, 10, 20), None, EFF, SEP10, DueState.OPEN, id="last day: open (a window is never overdue)"),
    P(cst(2025, 8, 31), cst(2026, 1, 5), None, EFF, date(2026, 2, 28), DueState.OPEN, id="Aug 31 → Feb 28, 调休 Sat"),
    P(cst(2026, 1, 5), cst(2026, 2, 5), None, EFF, date(2026, 7, 6), DueState.OPEN, id="ends on a Sunday → Monday"),
]


@pytest.mark.parametrize(("received", "now", "filed", "status", "expected", "state"), SET_ASIDE)
def test_set_aside_window_of_six_months_from_receipt(
    received: datetime, now: datetime, filed: datetime | None, status: str, expected: date, state: DueState
) -> None:
    facts = award(received)
    if filed is not None:
        facts |= dump(set_aside={"filed_at": filed.isoformat()})
    d = due(status, facts, now, "set_aside")
    assert (last_day(d), d.state) == (expected, state)
    assert "6 months" in d.rule


def test_set_aside_ruling_within_two_months_of_the_filing() -> None:
    facts = award(cst(2026, 3, 10)) | dump(set_aside={"filed_at": cst(2026, 8, 14).isoformat()})
    d = due("SET_ASIDE_PENDING", facts, cst(2026, 10, 15), "set_aside_ruling")
    assert last_day(d) == date(2026, 10, 14) and d.state is DueState.OVERDUE


@pytest.mark.parametrize(
    ("now", "corrected", "expected_state"),
    [
        (cst(2026, 6, 1), None, DueState.OPEN),
        (cst(2026, 6, 10), None, DueState.LAPSED),
        (cst(2026, 6, 10), cst(2026, 6, 2), DueState.MET),
    ],
)
def test_correction_within_30_days_of_receipt(
    now: datetime, corrected: datetime | None, expected_state: DueState
) -> None:
    facts = award(cst(2026, 4, 30), A1=cst(2026, 5, 4), R1=cst(2026, 5, 6))  # counted from the last signature
    if corrected is not None:
        facts |= dump(corrections=[{"corrected_at": corrected.isoformat(), "number": "(2026)穗仲案字第1号"}])
    d = due("EFFECTIVE", facts, now, "correction")
    assert last_day(d) == date(2026, 6, 5) and d.state is expected_state and "30 calendar days" in d.rule


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ({}, None),
        ({"A1": cst(2026, 5, 4)}, None),
        ({"A1": cst(2026, 5, 4), "R1": cst(2026, 5, 6)}, cst(2026, 5, 6)),
        ({"R1": cst(2026, 5, 6), "A1": cst(2026, 5, 9)}, cst(2026, 5, 9)),  # the last, whatever the order
        ({"A1": cst(2026, 5, 4), "X9": cst(2026, 5, 6)}, None),  # a stranger's signature does not count
    ],
)
def test_a_mediation_statement_takes_effect_when_the_last_party_signs(
    served: dict[str, datetime], expected: datetime | None
) -> None:
    assert statement_effective_at(("A1", "R1"), served) == expected
    assert statement_effective_at((), served) is None


@pytest.mark.parametrize(
    ("at", "version", "acceptance"),
    [
        (cst(2026, 2, 28, 23, 59), "2017", "仲裁法 (2017) Art 24"),
        (
            datetime(2026, 2, 28, 16, 0, tzinfo=UTC),
            "2026",
            "仲裁法 (2026; 2017 text Art 24, revised article unconfirmed)",
        ),  # 00:00 CST
        (cst(2026, 3, 1, 0, 0), "2026", "仲裁法 (2026; 2017 text Art 24, revised article unconfirmed)"),
        (cst(2025, 12, 31), "2017", "仲裁法 (2017) Art 24"),
    ],
)
def test_the_law_version_by_china_date(at: datetime, version: str, acceptance: str) -> None:
    assert RULES.law_version(at) == version
    assert RULES.cite("acceptance", at) == acceptance


def test_revised_article_numbers_are_a_setting_and_reach_the_rule_text() -> None:
    rules = CommissionRules(articles_revised={"acceptance": "Art 30"})
    assert rules.cite("acceptance", cst(2026, 3, 2)) == "仲裁法 (2026) Art 30"
    d = due("SUBMITTED", dump(received_at=cst(2026, 3, 2)), cst(2026, 3, 3), "acceptance", rules=rules)
    assert "仲裁法 (2026) Art 30" in d.rule
    with pytest.raises(KeyError, match="known"):
        rules.cite("nonsense", cst(2026, 3, 2))


@pytest.mark.parametrize(
    ("claim", "fee"),
    [
        ("500", "100.00"),
        ("1000", "100.00"),
        ("1000.01", "100.00"),
        ("150000", "4560.00"),
        ("1000001", "11060.00"),
        ("3000000", "16060.00"),
    ],
)
def test_fee_table_bands(claim: str, fee: str) -> None:
    assert RULES.fee(Decimal(claim)) == Decimal(fee)


def test_months_end_on_the_same_day_or_the_months_last() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 2) == date(2027, 2, 15)


def test_fee_bands_must_ascend() -> None:
    bands = [
        {"up_to": "100", "over": "0", "base": "1", "rate": "0"},
        {"up_to": "50", "over": "100", "base": "1", "rate": "0"},
    ]
    with pytest.raises(ValueError, match="ascend"):
        CommissionRules.model_validate({"fee_bands": bands})


def test_the_fee_table_is_shipped_data_named_by_the_rules_or_given_inline() -> None:
    assert fee_table("national-1995").status == "unconfirmed" and "national-1995" in shipped()
    with pytest.raises(ValueError, match="national-1995"):  # the error names what is shipped
        CommissionRules(fee_table="gzac-2099")
    own = CommissionRules(fee_bands=[{"over": "0", "base": "50", "rate": "0.01"}])
    assert own.fee(Decimal("10000")) == Decimal("150.00")
