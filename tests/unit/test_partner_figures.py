"""The docking partners' monthly figures (adapter/report/partner_figures.py), pure, table-driven over the three
kinds: each figure counts the records whose history has its event in the month, once, per partner; offers by
opening; the roster's actives by the status at the month's end (organisations by their USCC subject); amounts in
Decimal yuan; and through small-cell suppression and the PII scan to an export."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapter.report.desensitise import desensitise
from adapter.report.model import Month, MonthlyReport
from adapter.report.partner_figures import ReportPartnerEvent, ReportPartnerRecord, partner_figures
from adapter.report.pii import scan

MONTH = Month(2026, 11)
IN = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
BEFORE, AFTER = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
USCC = "91440101MA5CXXXX1X"


def record(rid: str, kind: str, partner: str = "p1", status: str = "X", subject: str = "S", amount: str | None = None,
           opened: datetime = IN) -> ReportPartnerRecord:  # fmt: skip
    return ReportPartnerRecord(rid, kind, partner, status, subject, amount, opened)


def event(rid: str, name: str, at: datetime = IN, before: str = "X") -> ReportPartnerEvent:
    return ReportPartnerEvent(rid, at, name, before)


def counts(records: list[ReportPartnerRecord], events: list[ReportPartnerEvent]) -> dict[str, dict[str, int]]:
    found = partner_figures(MONTH, records, events)
    return {t.key: dict(t.rows) for t in found.tables if t.rows}


@pytest.mark.parametrize(
    ("kind", "event_name", "figure"),
    [
        ("traffic", "accept", "partner_traffic_accepted"),
        ("traffic", "decline", "partner_traffic_declined"),
        ("traffic", "agree", "partner_traffic_agreements"),
        ("traffic", "pay", "partner_traffic_claims_paid"),
        ("traffic", "part_pay", "partner_traffic_claims_part_paid"),
        ("traffic", "refuse", "partner_traffic_claims_refused"),
        ("arbitration", "submit", "partner_arbitration_applications"),
        ("arbitration", "entrust", "partner_arbitration_entrusted"),
        ("arbitration", "accept", "partner_arbitration_accepted"),
        ("arbitration", "refuse", "partner_arbitration_refused"),
        ("arbitration", "issue_award", "partner_arbitration_instruments"),
        ("arbitration", "issue_statement", "partner_arbitration_instruments"),
        ("arbitration", "all_signed", "partner_arbitration_effective"),
        ("arbitration", "rule_set_aside", "partner_arbitration_set_aside"),
        ("roster", "register", "partner_roster_registrations"),
        ("roster", "expire", "partner_roster_expired"),
        ("roster", "deadline_alert", "partner_roster_alerted"),
    ],
)
def test_an_event_in_the_month_counts_its_record_once_per_partner(kind: str, event_name: str, figure: str) -> None:
    records = [record("R1", kind, opened=BEFORE), record("R2", kind, "p2", opened=BEFORE), record("R3", kind)]
    events = [
        event("R1", event_name),
        event("R1", event_name, IN + timedelta(days=1)),  # once, however often
        event("R2", event_name, BEFORE),
        event("R3", event_name, AFTER),
    ]  # fmt: skip  (before / after: not)
    found = counts(records, events)
    assert found[figure] == {"p1": 1}
    assert all(key == figure or (kind == "traffic" and key.endswith("offered")) for key in found)


def test_traffic_offers_and_amounts_are_counted_in_decimal_yuan() -> None:
    records = [record("T1", "traffic", amount="1200.50"), record("T2", "traffic", amount="800.25"),
               record("T3", "traffic", amount="99.99", opened=BEFORE)]  # fmt: skip
    found = partner_figures(MONTH, records, [event("T3", "agree"), event("T1", "agree", AFTER)])
    assert dict(next(t for t in found.tables if t.key == "partner_traffic_offered").rows) == {"p1": 2}
    amounts = {f.key: f.value for f in found.figures}
    assert amounts == {"partner.p1.amount_claimed": Decimal("2000.75"), "partner.p1.amount_agreed": Decimal("99.99")}
    assert all(f.unit == "yuan" for f in found.figures)


def test_roster_actives_are_read_at_the_months_end_organisations_by_their_uscc() -> None:
    records = [
        record("O1", "roster", status="ACTIVE", subject=USCC, opened=BEFORE),
        record("M1", "roster", status="ACTIVE", subject="MED-001", opened=BEFORE),
        record("M2", "roster", status="RETIRED", subject="MED-002", opened=BEFORE),  # retired after the month
        record("M3", "roster", status="ACTIVE", subject="MED-003", opened=BEFORE),  # active only after it
    ]
    events = [event("M2", "retire", AFTER, before="CERTIFIED"), event("M3", "activate", AFTER, before="SUBMITTED")]
    found = counts(records, events)
    assert found["partner_roster_organisations_active"] == {"p1": 1}
    assert found["partner_roster_mediators_active"] == {"p1": 2}  # M1, and M2 still certified at the end


def test_partner_figures_go_through_suppression_and_the_pii_scan_and_survive_a_round_trip() -> None:
    records = [record(f"T{n}", "traffic", partner="gd-traffic", amount="10.00") for n in range(5)]
    records.append(record("T9", "traffic", partner="sz-traffic", amount="10.00"))
    found = partner_figures(MONTH, records, [event("T0", "accept")])
    report = MonthlyReport(MONTH, IN, *([0] * 11), Decimal("0.00"), Decimal("0.00"), None, None, *([0] * 8),
                           tables=found.tables, partner_figures=found.figures)  # fmt: skip
    published = scan(desensitise(report, 3))
    offered = published.table("partner_traffic_offered")
    # the lone small cell hides the next one too, so neither can be worked back from the total (desensitise.py)
    assert offered.rows == (("gd-traffic", None), ("sz-traffic", None)) and offered.total == 6
    accepted = published.table("partner_traffic_accepted")
    assert accepted.rows == (("gd-traffic", None),) and accepted.total is None  # one small cell: the total too
    again = MonthlyReport.from_dict(report.to_dict())
    assert again.partner_figures == report.partner_figures and again.tables == report.tables
