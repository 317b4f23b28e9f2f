"""ComplaintFacts read from a stored complaint's history, and the ComplaintDeadlines engine over it."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapter.complaints.deadline_facts import ComplaintDeadlines, facts_from_history
from adapter.complaints.deadlines import ComplaintDeadlineKind
from adapter.complaints.states import ComplaintEvent, ComplaintNote, ComplaintStatus
from adapter.deadlines import DueState
from adapter.deadlines.calendar import forget_missing_years
from schemas.clock import CHINA
from schemas.complaint import Track

E, N, S, K = ComplaintEvent, ComplaintNote, ComplaintStatus, ComplaintDeadlineKind


@pytest.fixture(autouse=True)
def _fresh_process_record() -> Iterator[None]:
    """No year warned before or after each test: the record is per process, and other tests count the warning."""
    forget_missing_years()
    yield
    forget_missing_years()


def china(m: int, d: int, hh: int = 10) -> datetime:
    return datetime(2026, m, d, hh, tzinfo=CHINA)


@dataclass(frozen=True)
class Row:
    status: str
    received_at: datetime
    track: str = "general"
    undisputed: bool = False


@dataclass(frozen=True)
class Entry:
    id: int | None
    at: datetime
    event: str
    detail: str = ""


def history(*items: tuple[datetime, str] | tuple[datetime, str, dict[str, Any] | str]) -> list[Entry]:
    """Rows numbered in order; a dict detail is stored as JSON, a string as given."""
    rows = []
    for number, item in enumerate(items, start=1):
        detail = item[2] if len(item) == 3 else ""
        rows.append(Entry(number, item[0], item[1], detail if isinstance(detail, str) else json.dumps(detail)))
    return rows


RECEIVED = china(10, 12, 9)


def test_a_whole_history_gives_every_time_and_the_stage() -> None:
    """Forward, acks (the first counts), extensions to 60, a closed appraisal, a decision, a review."""
    rows = history(
        (china(10, 12), E.FORWARD),
        (china(10, 12, 11), E.ACKNOWLEDGE, {"acknowledged_at": "2026-10-12T10:30:00+08:00"}),
        (china(10, 13), E.ACKNOWLEDGE, {"acknowledged_at": "2026-10-13T09:00:00+08:00"}),  # duplicate
        (china(10, 14), E.EXTEND_30),
        (china(10, 15), N.APPRAISAL_STARTED, {"phase": "started", "at": "2026-10-15T09:00:00+08:00"}),
        (china(10, 18, 9), N.APPRAISAL_ENDED, {"phase": "ended", "at": "2026-10-18T09:00:00+08:00"}),
        (china(11, 1), E.EXTEND_60),
        (china(11, 20), E.DECIDE, {"body": {"type": "complaint.decided", "notified_at": "2026-11-19T16:00:00+08:00"}}),
        (china(11, 25), E.REQUEST_REVIEW, {"requested_at": "2026-11-24T10:00:00+08:00"}),
    )
    facts = facts_from_history(Row("REVIEW_REQUESTED", RECEIVED, "green_channel", True), reversed(rows))
    assert facts.status is S.REVIEW_REQUESTED and facts.track is Track.GREEN_CHANNEL and facts.undisputed
    assert facts.forwarded_at == china(10, 12) and facts.acknowledged_at == datetime(2026, 10, 12, 10, 30, tzinfo=CHINA)
    assert facts.stage == 60
    assert facts.pauses == ((china(10, 15, 9), china(10, 18, 9)),)
    assert facts.decided_at == china(11, 19, 16), "the notice's own time, from the envelope stored whole"
    assert facts.review_requested_at == china(11, 24)


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param({"notified_at": "2026-11-21T10:00:00+08:00"}, id="desk-clock-ahead-of-ours"),
        pytest.param({"notified_at": "2026-11-19T10:00:00"}, id="zone-less"),
        pytest.param({"notified_at": "19 November"}, id="not-a-time"),
        pytest.param({"notified_at": 1763520000}, id="a-number"),
        pytest.param("not json", id="not-json"),
        pytest.param(["a", "list"], id="not-an-object"),
    ],
)
def test_an_unusable_body_time_falls_back_to_when_the_centre_recorded_it(detail: Any) -> None:
    """A desk time later than our record, zone-less or unreadable never moves a date: the row's time stands."""
    rows = [Entry(1, china(10, 12), E.FORWARD), Entry(2, china(11, 20), E.DECIDE, json.dumps(detail))]
    if detail == "not json":
        rows[1] = Entry(2, china(11, 20), E.DECIDE, "not json")
    assert facts_from_history(Row("DECIDED", RECEIVED), rows).decided_at == china(11, 20)


def test_new_facts_start_a_new_round() -> None:
    """New facts [P33]: the clock restarts, the stage is back to 15, and only a decision after it counts."""
    rows = history(
        (china(10, 12), E.FORWARD),
        (china(10, 14), E.EXTEND_30),
        (china(10, 15), E.SMALL_CLAIM_DECIDE),
        (china(10, 20, 15), N.NEW_FACTS),
        (china(11, 2), E.DECIDE),
    )
    facts = facts_from_history(Row("DECIDED", RECEIVED), rows)
    assert (facts.restarted_at, facts.stage, facts.small_claim_decided_at) == (china(10, 20, 15), 15, None)
    assert facts.decided_at == china(11, 2)


def test_the_latest_review_round_counts() -> None:
    """A second review request (after a first was decided) replaces the first, so its window is the one shown."""
    rows = history(
        (china(10, 12), E.FORWARD),
        (china(10, 20), E.DECIDE),
        (china(10, 21), E.REQUEST_REVIEW),
        (china(10, 30), E.DECIDE_REVIEW),
        (china(11, 3), E.REQUEST_REVIEW),
    )
    facts = facts_from_history(Row("REVIEW_REQUESTED", RECEIVED), rows)
    assert (facts.review_requested_at, facts.review_decided_at) == (china(11, 3), china(10, 30))


def test_the_engine_pauses_a_running_appraisal_and_counts_zone_less_times_as_utc() -> None:
    """Stored rows as SQLite gives them back (zone-less UTC); an appraisal still running pauses the decision."""
    rows = [
        Entry(1, datetime(2026, 10, 12, 2, 0), E.FORWARD),  # 10:00 CST
        Entry(2, datetime(2026, 10, 20, 2, 0), N.APPRAISAL_STARTED),
    ]
    engine = ComplaintDeadlines()
    complaint = Row("HANDLING", datetime(2026, 10, 12, 1, 0))
    found = {d.kind: d for d in engine.for_complaint(complaint, rows, now=datetime(2026, 11, 30, tzinfo=UTC))}
    assert found[K.FORWARD].state is DueState.MET
    assert found[K.DECISION].state is DueState.PAUSED and found[K.DECISION].due is None
    ended = [*rows, Entry(3, datetime(2026, 10, 23, 2, 0), N.APPRAISAL_ENDED)]
    decision = {d.kind: d for d in engine.for_complaint(complaint, ended, now=china(10, 24))}[K.DECISION]
    assert decision.due is not None and decision.due.last_day == date(2026, 10, 30)  # 10-27 + 3 days


def test_a_converted_complaint_has_its_mediation_deadline() -> None:
    """Conversion opens the mediation the complaint's 30 days count from [P67a]; its end comes from the case."""
    rows = history((china(10, 12), E.FORWARD), (china(10, 20), E.DECIDE), (china(11, 2), E.CONVERT_TO_MEDIATION))
    engine = ComplaintDeadlines()
    complaint = Row("TO_MEDIATION", RECEIVED)
    running = {d.kind: d for d in engine.for_complaint(complaint, rows, now=china(11, 3))}[K.MEDIATION]
    assert running.due is not None and running.due.last_day == date(2026, 12, 2) and running.state is DueState.OPEN
    ended = engine.for_complaint(complaint, rows, now=china(12, 5), mediation_ended_at=china(11, 30))
    assert {d.kind: d for d in ended}[K.MEDIATION].state is DueState.MET
