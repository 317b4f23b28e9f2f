"""Each kind counts our side of its partner's statistics the partner's way (spec.figures, what `docking partners
reconcile --month` compares — #19 review): the SPC platform's organisations / mediators / registered, never record
statuses; the traffic platform's cases offered in the month (its `offered_at`, China time) by its word for each
(an accepted case is "mediating" there); a commission's, where one publishes any, by status."""

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from adapter.errors import InvalidRequest
from adapter.partners import reconcile
from adapter.partners.arbitration.spec import ARBITRATION
from adapter.partners.roster.spec import ROSTER
from adapter.partners.spec import PartnerRecord
from adapter.partners.traffic.spec import TRAFFIC
from connectors.fake_partner import FakePartner
from schemas.clock import CHINA
from schemas.partner import PartnerKind
from tests.support.roster_samples import mediator, mediator_record, org_record, registration_record
from tests.support.traffic_records import partner_record


def traffic(status: str, offered_at: str, opened_at: str) -> PartnerRecord:
    opened = datetime.fromisoformat(opened_at)
    return partner_record(status, {"offered_at": offered_at}, opened)


def arbitration(status: str, opened_at: str) -> PartnerRecord:
    record = partner_record(status, {}, datetime.fromisoformat(opened_at))
    return replace(record, kind=PartnerKind.ARBITRATION)


ROSTER_RECORDS = [
    org_record("ACTIVE"),
    *(mediator_record(s, mediator(n)) for n, s in enumerate(("ACTIVE", "SUSPENDED", "CERTIFIED", "RETIRED"), 1)),
    mediator_record("SUBMITTED", mediator(7)),  # pending: not on the platform's roster yet
    registration_record("REGISTERED", registered_at="2026-02-10T10:00:00+08:00"),
    registration_record("PENDING"),
]
TRAFFIC_RECORDS = [
    traffic("ACCEPTED", "2026-11-03T10:00:00+08:00", "2026-11-03T10:05:00+08:00"),
    traffic("MEDIATING", "2026-11-10T10:00:00+08:00", "2026-11-10T10:05:00+08:00"),
    traffic("APPRAISAL_PENDING", "2026-11-12T10:00:00+08:00", "2026-11-12T10:05:00+08:00"),
    traffic("JC_APPLIED", "2026-11-14T10:00:00+08:00", "2026-11-14T10:05:00+08:00"),
    # offered on the last evening of October, received in November: the platform counts it in October
    traffic("OFFERED", "2026-10-31T23:50:00+08:00", "2026-11-01T00:20:00+08:00"),
    traffic("PAID", "2026-10-05T10:00:00+08:00", "2026-10-05T10:05:00+08:00"),
]
ARB_RECORDS = [
    arbitration("DRAFT", "2026-11-02T10:00:00+08:00"),  # nothing sent: not counted
    arbitration("SUBMITTED", "2026-11-03T10:00:00+08:00"),
    arbitration("TRIBUNAL_FORMED", "2026-11-04T10:00:00+08:00"),
    arbitration("IN_PROCEEDINGS", "2026-11-05T10:00:00+08:00"),
]

ROWS: dict[str, tuple[Any, list[PartnerRecord], str, dict[str, int]]] = {
    "roster_counts_its_roster_not_statuses": (
        ROSTER,
        ROSTER_RECORDS,
        "2026-02",
        {"organisations": 1, "mediators": 3, "registered": 1},
    ),
    "roster_another_month_registered_none": (
        ROSTER,
        ROSTER_RECORDS,
        "2026-03",
        {"organisations": 1, "mediators": 3, "registered": 0},
    ),
    "traffic_november_by_its_words": (
        TRAFFIC,
        TRAFFIC_RECORDS,
        "2026-11",
        {"mediating": 2, "suspended": 1, "agreed": 1},
    ),
    "traffic_october_by_offered_at": (TRAFFIC, TRAFFIC_RECORDS, "2026-10", {"offered": 1, "settled": 1}),
    "arbitration_by_status": (ARBITRATION, ARB_RECORDS, "2026-11", {"received": 1, "in_proceedings": 2}),
}


@pytest.mark.parametrize(("spec", "records", "month", "expected"), ROWS.values(), ids=ROWS)
def test_figures_are_counted_the_partners_way(
    spec: Any, records: list[PartnerRecord], month: str, expected: dict[str, int]
) -> None:
    assert spec.figures(records, month) == expected


def test_a_month_is_china_time() -> None:
    late = traffic("OFFERED", datetime(2026, 11, 30, 16, 30, tzinfo=CHINA).isoformat(), "2026-11-30T16:31:00+08:00")
    utc = traffic("OFFERED", "2026-11-30T16:30:00+00:00", "2026-11-30T16:31:00+00:00")  # 00:30 CST on 1 December
    assert TRAFFIC.figures([late, utc], "2026-11") == {"offered": 1}
    assert TRAFFIC.figures([late, utc], "2026-12") == {"offered": 1}


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01"])
def test_a_month_not_shaped_yyyy_mm_is_refused_before_the_partner_is_asked(month: str) -> None:
    port = FakePartner("spc", PartnerKind.ROSTER)
    with pytest.raises(InvalidRequest) as refused:
        # no database: refused before anything is read or asked
        reconcile.reconcile(None, port, lambda: datetime(2026, 11, 5, tzinfo=CHINA), month=month)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.rule) == ("month", "month") and repr(month) in str(refused.value)


@pytest.mark.parametrize(
    ("before", "counted"),
    [("PAID", "settled"), ("PART_PAID", "settled"), ("AGREEMENT_EFFECTIVE", "agreed"), ("JC_APPLIED", "agreed"),
     ("TERMINATED", "failed"), ("LITIGATION_ADVISED", "failed"), ("ESCALATED", "claiming")],
)  # fmt: skip
def test_a_case_we_closed_counts_as_the_platform_last_heard_of_it(before: str, counted: str) -> None:
    """Our close is not sent to the traffic platform (no message says it; AGREES): in its monthly figures the case
    stays what it last heard — the status we closed it from — not "closed", else every closed case is a difference."""
    from adapter.partners.traffic.actions import NoteInput, close

    record = traffic(before, "2026-11-03T10:00:00+08:00", "2026-11-03T10:05:00+08:00")
    change = close(record, NoteInput(), datetime(2026, 11, 20, tzinfo=CHINA), None)
    closed = replace(record, status="CLOSED", facts={**record.facts, **change.facts})
    assert TRAFFIC.figures([closed], "2026-11") == {counted: 1}


def test_a_case_closed_before_its_last_status_was_kept_still_counts_closed() -> None:
    record = traffic("CLOSED", "2026-11-03T10:00:00+08:00", "2026-11-03T10:05:00+08:00")
    assert TRAFFIC.figures([record], "2026-11") == {"closed": 1}
