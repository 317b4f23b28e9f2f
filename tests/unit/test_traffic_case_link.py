"""The court's decision on a traffic record's linked case, as the record hears it (adapter/partners/case_link.py):
table-driven over the decision and the record's status — confirmed and rejected through the same `jc_result` the
platform's traffic.jc_result uses (so whichever comes second is a duplicate), not accepted and withdrawn back to
the agreement, and never a refusal (a record not awaiting a ruling gets a note)."""

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from adapter.partners.case_link import court_change
from schemas.jc import CourtDecision
from tests.support.traffic_records import record

CST = timezone(timedelta(hours=8), "CST")
AT = datetime(2026, 11, 20, 10, 0, tzinfo=CST)
RULING = "（2026）粤0104民特123号"
CONFIRMED = {"confirmed": True, "ruling_no": RULING}


def decision(result: str, number: str | None = RULING, reason: str = "") -> CourtDecision:
    return CourtDecision(kind="jc_ruling", decided_at=AT, jc_result=result, document_number=number, reason=reason)


@pytest.mark.parametrize(
    ("status", "jc", "given", "event", "note"),
    [
        ("JC_APPLIED", {}, decision("confirmed"), "jc_confirm", None),
        ("JC_APPLIED", {}, decision("rejected", reason="违反法律强制性规定"), "jc_reject", None),
        ("JC_CONFIRMED", CONFIRMED, decision("confirmed"), None, "duplicate"),  # the platform told us first
        ("JC_CONFIRMED", {"confirmed": True, "ruling_no": "other"}, decision("confirmed"), None, "out_of_order"),
        ("JC_APPLIED", {}, decision("not_accepted", reason="不属于本院管辖"), "jc_withdraw", None),
        ("JC_APPLIED", {}, decision("withdrawn"), "jc_withdraw", None),
        ("AGREEMENT_EFFECTIVE", {}, decision("not_accepted"), None, "out_of_order"),  # the clerk withdrew already
    ],
)
def test_the_courts_decision_on_the_case(
    status: str, jc: dict[str, Any], given: CourtDecision, event: str | None, note: str | None
) -> None:
    change = court_change(record(status, jc=jc), "MC-1", given)
    assert (change.event, change.note) == (event, note)


def test_a_ruling_without_its_number_is_keyed_by_the_case() -> None:
    change = court_change(record("JC_APPLIED", jc={}), "MC-1", decision("confirmed", number=None))
    assert change.facts["jc"]["ruling_no"] == "court ruling on case MC-1"


def test_not_accepted_keeps_the_courts_reason() -> None:
    change = court_change(record("JC_APPLIED", jc={}), "MC-1", decision("not_accepted", reason="不属于本院管辖"))
    assert change.facts["jc"]["ended"] == "not_accepted" and change.facts["jc"]["reason"] == "不属于本院管辖"
