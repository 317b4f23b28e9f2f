"""The demo's complaint figures (adapter/stats.py summarize_complaints) on a real database, SQLite and PostgreSQL:
counted as the monthly report counts them, over every complaint — forwarded the same China day as received, settled
(upheld, partly or settled, or a small claim paid; a rejection is not), small claims and their working days from
receipt to payment on the holiday calendar, converted to mediation, at rest, messages to desks by state."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from adapter.complaints import inbound
from adapter.deadlines.calendar import WorkCalendar
from adapter.stats import summarize_complaints
from schemas.complaint import DecidedBody, DecisionResult, SmallClaimPerformedBody
from tests.support.complaint_samples import RECEIVED, complaint
from tests.support.complaint_store import DESK, World, world

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def w(database_url: str) -> Iterator[World]:
    yield from world(database_url)


def decided(w: World, complaint_id: str, result: DecisionResult) -> None:
    body = DecidedBody(result=result, remedy_amount=Decimal("100.00"), notified_at=w.clock())
    assert inbound.apply(w.uow, DESK, w.message(complaint_id, body), w.clock) == "applied"


def test_the_figures_count_each_complaint_once_by_the_reports_rules(w: World) -> None:
    calendar = WorkCalendar()
    assert summarize_complaints(w.uow, calendar) | {"complaints_by_status": {}} == {
        **dict.fromkeys(
            (
                "complaints",
                "complaints_forwarded",
                "complaints_forwarded_same_day",
                "complaints_settled",
                "complaints_to_mediation",
                "small_claims",
                "complaints_at_rest",
                "complaint_history_entries",
                "complaint_messages_sent",
                "complaint_messages_delivered",
                "complaint_messages_pending",
                "complaint_messages_dead",
            ),
            0,
        ),
        "complaints_settled_amount": "0.00",
        "small_claim_working_days_avg": None,
        "complaints_by_status": {},
    }
    # Monday 2 March 2026, 10:20 CST: four complaints (different causes: none is a repeat of another) …
    w.services.receive(complaint(complaint_id="CP-UPHELD"))
    w.services.receive(complaint(complaint_id="CP-REJECTED", classification=_cause("C01")))
    w.services.receive(complaint(complaint_id="CP-SMALL", track="small_claim", classification=_cause("C03")))
    # … and one received on Sunday by letter, registered and forwarded on Monday: forwarded, not the same day.
    sunday = (RECEIVED - timedelta(days=1)).isoformat()
    w.services.receive(complaint(complaint_id="CP-LETTER", received_at=sunday, classification=_cause("C02")))
    w.services.small_claim_decide("CP-SMALL", Decimal("600.00"), "陈调解员")
    w.clock.advance(days=1)
    decided(w, "CP-UPHELD", DecisionResult.UPHELD)
    decided(w, "CP-REJECTED", DecisionResult.REJECTED)
    w.clock.advance(days=6)  # paid on Monday 9 March: five working days after the receipt's day
    paid = SmallClaimPerformedBody(paid_at=w.clock(), amount=Decimal("600.00"))
    inbound.apply(w.uow, DESK, w.message("CP-SMALL", paid), w.clock)
    w.services.visit("CP-UPHELD", 5)
    w.services.close("CP-UPHELD")
    w.services.withdraw("CP-LETTER", "投诉人撤回")

    figures = summarize_complaints(w.uow, calendar)
    assert figures["complaints"] == figures["complaints_forwarded"] == 4
    assert figures["complaints_forwarded_same_day"] == 3
    assert figures["complaints_settled"] == 2 and figures["complaints_settled_amount"] == "700.00"
    assert figures["small_claims"] == 1 and figures["small_claim_working_days_avg"] == 5.0
    assert figures["complaints_to_mediation"] == 0
    assert figures["complaints_at_rest"] == 2  # closed, withdrawn
    assert figures["complaints_by_status"] == {"CLOSED": 1, "WITHDRAWN": 1, "DECIDED": 1, "PAID": 1}
    assert figures["complaint_messages_pending"] == figures["complaint_messages_sent"] > 4  # no desk ran
    assert figures["complaint_messages_dead"] == figures["complaint_messages_delivered"] == 0


def _cause(code: str) -> dict[str, str]:
    return {"table": "jrt0169", "version": "2018", "business": "B0302", "cause": code}
