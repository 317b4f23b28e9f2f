"""A complaint's due dates (partners.md §1): same-day forwarding across holidays, make-up days and unknown years,
the centre's targets, the institution's 15/30/60 days with appraisal pauses, repeats, review windows, mediation."""

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from adapter.complaints.deadline_facts import with_repeat
from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.deadlines import (
    ComplaintDeadlineKind,
    ComplaintDueDate,
    ComplaintFacts,
    Pause,
    complaint_deadlines,
    stage_of,
)
from adapter.complaints.states import ComplaintStatus
from adapter.complaints.working_days import (
    WorkingDays,
    small_claim_figures,
    small_claim_working_days,
    working_days_between,
)
from adapter.deadlines import DueState, WorkCalendar
from adapter.deadlines.calendar import forget_missing_years
from schemas.clock import CHINA, from_db

K, S, D = ComplaintDeadlineKind, ComplaintStatus, DueState
SAMPLE_2027 = Path(__file__).parent.parent / "data" / "holidays-2027.toml"
DEFAULTS = ComplaintDeadlineSettings()


@pytest.fixture(autouse=True)
def _fresh_process_record() -> Iterator[None]:
    """No year warned before or after each test: the record is per process, and other tests count the warning."""
    forget_missing_years()
    yield
    forget_missing_years()


def china(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


def dues(
    facts: ComplaintFacts,
    now: datetime,
    settings: ComplaintDeadlineSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
) -> dict[ComplaintDeadlineKind, ComplaintDueDate]:
    found = complaint_deadlines(facts, calendar or WorkCalendar(), settings, now)
    assert len({d.kind for d in found}) == len(found), "one deadline per kind"
    return {d.kind: d for d in found}


def last_day(found: ComplaintDueDate) -> date:
    assert found.due is not None, f"{found.kind} has no due date ({found.state})"
    return found.due.last_day


# ---- forwarding: the same day, after hours or on a rest day the next working day [P67a] ----------------------------


@pytest.mark.parametrize(
    ("received", "expected", "moved"),
    [
        pytest.param(china(2026, 9, 30, 16), date(2026, 9, 30), False, id="holiday-eve-1600-same-day"),
        pytest.param(china(2026, 9, 30, 17, 30), date(2026, 10, 8), True, id="holiday-eve-1730-after-national-day"),
        pytest.param(china(2026, 9, 30, 17, 0), date(2026, 10, 8), True, id="cutoff-1700-itself-is-after-hours"),
        pytest.param(china(2026, 9, 30, 7, 0), date(2026, 9, 30), False, id="before-the-hotline-opens-same-day"),
        pytest.param(china(2026, 10, 3), date(2026, 10, 8), True, id="rest-day-inside-the-holiday"),
        pytest.param(china(2026, 10, 10), date(2026, 10, 10), False, id="make-up-saturday-works"),
        pytest.param(china(2026, 10, 10, 17, 30), date(2026, 10, 12), True, id="make-up-saturday-after-hours"),
        pytest.param(china(2026, 10, 9, 18), date(2026, 10, 10), True, id="friday-evening-to-make-up-saturday"),
        pytest.param(china(2026, 10, 11), date(2026, 10, 12), True, id="ordinary-sunday"),
        pytest.param(china(2026, 9, 20), date(2026, 9, 20), False, id="make-up-sunday-before-mid-autumn"),
        pytest.param(china(2026, 9, 24, 17, 30), date(2026, 9, 28), True, id="eve-of-mid-autumn-friday"),
        pytest.param(datetime(2026, 9, 30, 8, 30, tzinfo=UTC), date(2026, 9, 30), False, id="utc-0830-is-1630-cst"),
        pytest.param(datetime(2026, 9, 30, 9, 30, tzinfo=UTC), date(2026, 10, 8), True, id="utc-0930-is-1730-cst"),
        pytest.param(datetime(2026, 9, 30, 9, 30), date(2026, 10, 8), True, id="zone-less-utc-as-sqlite-gives-it"),
    ],
)
def test_forwarding_day_across_holidays_and_make_up_days(received: datetime, expected: date, moved: bool) -> None:
    """当日接收、当日转办 [P67a]: that China-time day; from 17:00 or on a rest day, the next working day."""
    found = dues(ComplaintFacts(S.RECEIVED, received), now=received)[K.FORWARD]
    assert last_day(found) == expected and not found.estimated
    closes = datetime.combine(expected + timedelta(days=1), datetime.min.time(), CHINA)
    assert found.due is not None and found.due.closes_at == closes
    assert found.state is (D.DUE_SOON if closes - from_db(received) <= timedelta(days=3) else D.OPEN)
    assert "[P67a]" in found.rule and bool(found.notes) is moved


@pytest.mark.parametrize(
    ("settings", "received", "expected"),
    [
        pytest.param(
            ComplaintDeadlineSettings(after_hours_next_working_day=False),
            china(2026, 9, 30, 17, 30),
            date(2026, 9, 30),
            id="rule-off-after-hours-same-day",
        ),
        pytest.param(
            ComplaintDeadlineSettings(after_hours_next_working_day=False),
            china(2026, 10, 3),
            date(2026, 10, 3),
            id="rule-off-rest-day-same-day",
        ),
        pytest.param(
            ComplaintDeadlineSettings.model_validate({"forward_cutoff": "18:00"}),
            china(2026, 9, 30, 17, 30),
            date(2026, 9, 30),
            id="cutoff-1800-keeps-1730-on-the-day",
        ),
    ],
)
def test_forwarding_settings(settings: ComplaintDeadlineSettings, received: datetime, expected: date) -> None:
    """The next-working-day rule can be turned off, and the cutoff moved."""
    assert last_day(dues(ComplaintFacts(S.RECEIVED, received), received, settings)[K.FORWARD]) == expected


@pytest.mark.parametrize(
    ("status", "forwarded", "now", "state"),
    [
        pytest.param(S.RECEIVED, None, china(2026, 9, 30, 11), D.DUE_SOON, id="waiting-same-day"),
        pytest.param(S.RECEIVED, None, china(2026, 10, 1, 0), D.OVERDUE, id="not-forwarded-by-midnight"),
        pytest.param(S.FORWARDED, china(2026, 9, 30, 18), china(2026, 10, 2), D.MET, id="forwarded-evening-met"),
        pytest.param(S.FORWARDED, china(2026, 10, 1, 9), china(2026, 10, 2), D.LATE, id="forwarded-next-day-late"),
        pytest.param(S.MERGED, None, china(2026, 10, 2), D.LAPSED, id="merged-repeat-lapsed"),
        pytest.param(S.WITHDRAWN, None, china(2026, 10, 2), D.LAPSED, id="withdrawn-lapsed"),
    ],
)
def test_forwarding_state(status: ComplaintStatus, forwarded: datetime | None, now: datetime, state: DueState) -> None:
    """Received 09-30 10:00: due that day; met, late, overdue or lapsed as for a case's deadline."""
    facts = ComplaintFacts(status, china(2026, 9, 30), forwarded_at=forwarded)
    assert dues(facts, now)[K.FORWARD].state is state


def test_a_year_the_calendar_does_not_know_is_estimated(caplog: pytest.LogCaptureFixture) -> None:
    """After hours on 2026-12-31: 2027 is beyond the package, so Friday 01-01 is guessed a working day — estimated
    and warned about, as case deadlines are; with the operator's 2027 file it is a holiday and nothing is guessed."""
    received = china(2026, 12, 31, 17, 30)
    facts = ComplaintFacts(S.RECEIVED, received)
    calendar = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        guessed = dues(facts, received, calendar=calendar)[K.FORWARD]
    assert last_day(guessed) == date(2027, 1, 1) and guessed.estimated
    assert "no data for 2027" in caplog.text
    assert 2027 in calendar.estimated_years
    known = dues(facts, received, calendar=WorkCalendar.from_file(SAMPLE_2027))[K.FORWARD]
    assert last_day(known) == date(2027, 1, 4) and not known.estimated


# ---- the centre's own targets [P67a] ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "undisputed", "settings", "expected"),
    [
        pytest.param(china(2026, 9, 30), True, DEFAULTS, date(2026, 9, 30), id="undisputed-same-day"),
        pytest.param(china(2026, 9, 30, 17, 30), True, DEFAULTS, date(2026, 10, 8), id="undisputed-after-hours"),
        pytest.param(
            china(2026, 9, 30, 16),
            True,
            ComplaintDeadlineSettings(centre_target_undisputed_working_days=1),
            date(2026, 10, 8),
            id="undisputed-plus-one-working-day",
        ),
        pytest.param(china(2026, 9, 30), False, DEFAULTS, date(2026, 10, 16), id="general-8-across-national-day"),
        pytest.param(china(2026, 11, 16), False, DEFAULTS, date(2026, 11, 26), id="general-8-ordinary-fortnight"),
        pytest.param(
            china(2026, 11, 16),
            False,
            ComplaintDeadlineSettings(centre_target_general_working_days=3),
            date(2026, 11, 19),
            id="general-configured-3",
        ),
    ],
)
def test_centre_targets_in_working_days(
    received: datetime, undisputed: bool, settings: ComplaintDeadlineSettings, expected: date
) -> None:
    """Undisputed: the day it is forwarded (0 working days); general: 8 working days from receipt [P67a]."""
    facts = ComplaintFacts(S.RECEIVED, received, undisputed=undisputed)
    found = dues(facts, received, settings)[K.CENTRE_TARGET]
    assert last_day(found) == expected and "[P67a]" in found.rule


@pytest.mark.parametrize(
    ("facts", "state"),
    [
        pytest.param(
            ComplaintFacts(
                S.DECIDED, china(2026, 11, 16), forwarded_at=china(2026, 11, 16), decided_at=china(2026, 11, 20)
            ),
            D.MET,
            id="decided-within-8",
        ),
        pytest.param(
            ComplaintFacts(
                S.PAID, china(2026, 11, 16), small_claim_decided_at=china(2026, 11, 27), paid_at=china(2026, 11, 30)
            ),
            D.LATE,
            id="small-claim-decided-after-8",
        ),
        pytest.param(ComplaintFacts(S.HANDLING, china(2026, 11, 16)), D.OVERDUE, id="still-at-the-desk"),
        pytest.param(ComplaintFacts(S.WITHDRAWN, china(2026, 11, 16)), D.LAPSED, id="withdrawn"),
        pytest.param(ComplaintFacts(S.TO_MEDIATION, china(2026, 11, 16)), D.LAPSED, id="converted-to-mediation"),
    ],
)
def test_centre_target_is_met_by_the_first_decision(facts: ComplaintFacts, state: DueState) -> None:
    """The general target (11-26 for 11-16) is met by the institution's or the small-claim mediator's decision."""
    assert dues(facts, now=china(2026, 12, 1))[K.CENTRE_TARGET].state is state


# ---- the institution's decision: 15 / 30 / 60 days, appraisal not counted (Order 2020 No 3, [P33]) -----------------

FORWARDED = china(2026, 10, 12)  # Monday; the institution's receipt
THREE_DAYS: Pause = (china(2026, 10, 14, 9), china(2026, 10, 17, 9))  # exactly 3 days
NEARLY_THREE: Pause = (china(2026, 10, 14, 9), china(2026, 10, 17, 8))  # 2 days 23 hours: 2 whole days


def at_desk(stage: int = 15, *, status: ComplaintStatus = S.HANDLING, **more: Any) -> ComplaintFacts:
    """A complaint received and forwarded on Monday 2026-10-12, being handled at the desk."""
    return ComplaintFacts(status, FORWARDED, forwarded_at=FORWARDED, stage=stage, **more)


@pytest.mark.parametrize(
    ("stage", "pauses", "expected"),
    [
        pytest.param(15, (), date(2026, 10, 27), id="15-days"),
        pytest.param(30, (), date(2026, 11, 11), id="30-days"),
        pytest.param(60, (), date(2026, 12, 11), id="60-days"),
        pytest.param(15, (THREE_DAYS,), date(2026, 10, 30), id="15-days-plus-3-paused"),
        pytest.param(30, (THREE_DAYS,), date(2026, 11, 16), id="30-plus-3-lands-saturday-runs-to-monday"),
        pytest.param(60, (THREE_DAYS,), date(2026, 12, 14), id="60-days-plus-3-paused"),
        pytest.param(15, (NEARLY_THREE,), date(2026, 10, 29), id="part-day-never-given"),
        pytest.param(15, (THREE_DAYS, (china(2026, 10, 20), china(2026, 10, 22))), date(2026, 11, 2), id="two-pauses"),
        pytest.param(15, ((china(2026, 10, 1), china(2026, 10, 13)),), date(2026, 10, 28), id="pause-from-before"),
    ],
)
def test_decision_period_by_stage_with_closed_appraisal(stage: int, pauses: tuple[Pause, ...], expected: date) -> None:
    """Calendar days from the institution's receipt, moved by whole days of closed appraisal [P33]."""
    found = dues(at_desk(stage, pauses=pauses), now=FORWARDED)[K.DECISION]
    assert last_day(found) == expected and found.state is D.OPEN
    assert f"{stage} days" in found.rule and "Order 2020 No 3" in found.rule and "inference" in found.rule
    assert bool(found.notes) is bool(pauses)


@pytest.mark.parametrize(
    ("status", "stage", "expected_stage"),
    [
        pytest.param(S.HANDLING, 15, 15, id="handling"),
        pytest.param(S.EXTENDED_30, 15, 30, id="extended-30-status-implies-30"),
        pytest.param(S.EXTENDED_60, 30, 60, id="extended-60-status-implies-60"),
        pytest.param(S.DECIDED, 60, 60, id="decided-after-60-keeps-stored-stage"),
    ],
)
def test_the_stage_follows_the_extensions(status: ComplaintStatus, stage: int, expected_stage: int) -> None:
    """EXTENDED_30 / EXTENDED_60 imply their stage; after a decision the stored stage stands."""
    assert stage_of(at_desk(stage, status=status)) == expected_stage


def test_an_open_appraisal_pauses_the_clock() -> None:
    """While an appraisal runs the decision is `paused` with no due date, naming the days left [P33]."""
    found = dues(at_desk(pauses=((china(2026, 10, 20), None),)), now=china(2026, 11, 30))[K.DECISION]
    assert found.state is D.PAUSED and found.due is None and not found.estimated
    assert "7 day(s) left" in found.notes[-1] and "[P33]" in found.notes[-1]


@pytest.mark.parametrize(
    ("more", "now", "state", "expected"),
    [
        pytest.param(
            {"pauses": ((china(2026, 10, 20), None),), "decided_at": china(2026, 10, 25)},
            china(2026, 10, 26),
            D.MET,
            date(2026, 11, 2),
            id="decided-during-appraisal-counts-it-to-the-decision",
        ),
        pytest.param(
            {"pauses": ((china(2026, 10, 29), None),)},
            china(2026, 10, 30),
            D.OVERDUE,
            date(2026, 10, 27),
            id="appraisal-begun-after-the-period-closed-revives-nothing",
        ),
        pytest.param(
            {"pauses": (THREE_DAYS,), "decided_at": china(2026, 10, 29)},
            china(2026, 11, 2),
            D.MET,
            date(2026, 10, 30),
            id="decided-in-the-paused-days",
        ),
        pytest.param({"decided_at": china(2026, 10, 29)}, china(2026, 11, 2), D.LATE, date(2026, 10, 27), id="late"),
        pytest.param({}, china(2026, 10, 25), D.DUE_SOON, date(2026, 10, 27), id="due-soon"),
        pytest.param({}, china(2026, 10, 28), D.OVERDUE, date(2026, 10, 27), id="overdue"),
        pytest.param(
            {"small_claim_decided_at": china(2026, 10, 20)},
            china(2026, 11, 2),
            D.MET,
            date(2026, 10, 27),
            id="small-claim-decision-meets-it",
        ),
    ],
)
def test_decision_state(more: dict[str, Any], now: datetime, state: DueState, expected: date) -> None:
    """Met, late, due soon, overdue: the 15-day decision from 10-12 (10-27), moved by appraisal."""
    found = dues(at_desk(**more), now)[K.DECISION]
    assert found.state is state and last_day(found) == expected


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.TO_MEDIATION], ids=lambda s: s.value)
def test_an_open_appraisal_on_an_ended_complaint_lapses(status: ComplaintStatus) -> None:
    """A complaint withdrawn or converted during an appraisal has nothing left to pause: lapsed."""
    found = dues(at_desk(status=status, pauses=((china(2026, 10, 20), None),)), now=china(2026, 11, 30))[K.DECISION]
    assert found.state is D.LAPSED


def test_no_decision_clock_before_the_complaint_is_forwarded() -> None:
    """The institution's period runs from its receipt; a complaint still at the centre has only the centre's clocks."""
    assert set(dues(ComplaintFacts(S.RECEIVED, FORWARDED), FORWARDED)) == {K.FORWARD, K.CENTRE_TARGET}


# ---- repeats [P33] -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_facts", "expected", "starts"),
    [
        pytest.param(False, date(2026, 10, 27), FORWARDED, id="without-new-facts-the-clock-runs-on"),
        pytest.param(True, date(2026, 11, 4), china(2026, 10, 20, 15), id="new-facts-restart-at-the-new-material"),
    ],
)
def test_a_repeat_with_and_without_new_facts(new_facts: bool, expected: date, starts: datetime) -> None:
    """A repeat received 10-20: merged, the first clock runs on (10-27); with new facts 15 days from 10-20."""
    earlier = with_repeat(at_desk(), china(2026, 10, 20, 15), new_facts=new_facts)
    found = dues(earlier, now=china(2026, 10, 21))[K.DECISION]
    assert last_day(found) == expected and found.starts_at == starts
    assert dues(ComplaintFacts(S.MERGED, china(2026, 10, 20, 15)), china(2026, 10, 21))[K.FORWARD].state is D.LAPSED


def test_a_restart_counts_only_the_appraisal_after_it_and_never_moves_back() -> None:
    """An appraisal running across the restart counts from it; an older repeat does not move the restart back."""
    earlier = at_desk(pauses=((china(2026, 10, 14), china(2026, 10, 22)),))
    restarted = with_repeat(earlier, china(2026, 10, 20), new_facts=True)
    assert last_day(dues(restarted, china(2026, 10, 23))[K.DECISION]) == date(2026, 11, 6)  # 11-04 + 2 days
    assert with_repeat(restarted, china(2026, 10, 18), new_facts=True) is restarted


def test_a_decision_before_the_restart_does_not_meet_the_new_clock() -> None:
    """New facts after a (small-claim) decision: the earlier decision belongs to the earlier round."""
    facts = with_repeat(at_desk(small_claim_decided_at=china(2026, 10, 15)), china(2026, 10, 20), new_facts=True)
    assert dues(facts, china(2026, 10, 21))[K.DECISION].state is D.OPEN


# ---- review (核查) and mediation after conversion -----------------------------------------------------------------

DECIDED = china(2026, 11, 2)


@pytest.mark.parametrize(
    ("facts", "now", "expected"),
    [
        pytest.param(
            at_desk(status=S.DECIDED, decided_at=DECIDED),
            china(2026, 11, 3),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.OPEN)},
            id="request-window-open",
        ),
        pytest.param(
            at_desk(status=S.VISITED, decided_at=DECIDED),
            china(2026, 12, 1),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.OPEN)},
            id="complainant-window-never-due-soon",
        ),
        pytest.param(
            at_desk(status=S.VISITED, decided_at=DECIDED),
            china(2026, 12, 3),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.LAPSED)},
            id="window-closed-unused-lapses-not-overdue",
        ),
        pytest.param(
            at_desk(status=S.REVIEW_REQUESTED, decided_at=DECIDED, review_requested_at=china(2026, 12, 3)),
            china(2026, 12, 4),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.LATE), K.REVIEW_DECISION: (date(2027, 1, 4), D.OPEN)},
            id="requested-after-the-window-late",
        ),
        pytest.param(
            at_desk(status=S.CLOSED, decided_at=DECIDED),
            china(2026, 12, 3),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.LAPSED)},
            id="closed-without-a-request",
        ),
        pytest.param(
            at_desk(status=S.REVIEW_REQUESTED, decided_at=DECIDED, review_requested_at=china(2026, 11, 20)),
            china(2026, 12, 19, 12),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.MET), K.REVIEW_DECISION: (date(2026, 12, 21), D.DUE_SOON)},
            id="requested-decision-due-sunday-runs-to-monday",
        ),
        pytest.param(
            at_desk(
                status=S.REVIEW_DECIDED,
                decided_at=DECIDED,
                review_requested_at=china(2026, 11, 20),
                review_decided_at=china(2026, 12, 22),
            ),
            china(2026, 12, 23),
            {K.REVIEW_REQUEST: (date(2026, 12, 2), D.MET), K.REVIEW_DECISION: (date(2026, 12, 21), D.LATE)},
            id="review-decided-late",
        ),
    ],
)
def test_review_windows(
    facts: ComplaintFacts, now: datetime, expected: dict[ComplaintDeadlineKind, tuple[date, DueState]]
) -> None:
    """30 days from the decision to ask, 30 from the request to decide (unconfirmed for 2020) [P34][P42b]."""
    found = dues(facts, now)
    got = {kind: (last_day(found[kind]), found[kind].state) for kind in expected}
    assert got == expected
    assert all("unconfirmed" in found[kind].rule and "[P34]" in found[kind].rule for kind in expected)


def test_review_windows_follow_the_settings_and_skip_small_claims() -> None:
    """Configured review days are used; a small claim (no institution decision) has no review window."""
    settings = ComplaintDeadlineSettings(review_request_days=15, review_decision_days=60)
    facts = at_desk(status=S.REVIEW_REQUESTED, decided_at=DECIDED, review_requested_at=china(2026, 11, 3))
    found = dues(facts, china(2026, 11, 4), settings)
    assert last_day(found[K.REVIEW_REQUEST]) == date(2026, 11, 17)
    assert last_day(found[K.REVIEW_DECISION]) == date(2027, 1, 4)  # 01-02 Saturday, estimated year
    small = at_desk(status=S.PAID, small_claim_decided_at=DECIDED, paid_at=china(2026, 11, 5))
    assert K.REVIEW_REQUEST not in dues(small, china(2026, 11, 6))


@pytest.mark.parametrize(
    ("ended", "now", "state"),
    [
        pytest.param(None, china(2026, 11, 20), D.OPEN, id="mediating"),
        pytest.param(None, china(2026, 12, 3), D.OVERDUE, id="past-30-days"),
        pytest.param(china(2026, 11, 30), china(2026, 12, 3), D.MET, id="ended-in-time"),
    ],
)
def test_mediation_after_conversion(ended: datetime | None, now: datetime, state: DueState) -> None:
    """30 days from the mediation's acceptance [P67a]: 11-02 → 12-02."""
    facts = at_desk(status=S.TO_MEDIATION, mediation_accepted_at=DECIDED, mediation_ended_at=ended)
    found = dues(facts, now)[K.MEDIATION]
    assert last_day(found) == date(2026, 12, 2) and found.state is state and "[P67a]" in found.rule


# ---- the small-claim track: working days from receipt to payment, reported not enforced [P67a] ---------------------


@pytest.mark.parametrize(
    ("received", "paid", "days", "estimated"),
    [
        pytest.param(china(2026, 11, 16, 9), china(2026, 11, 16, 16), 0, False, id="paid-the-same-day"),
        pytest.param(china(2026, 10, 16, 17), china(2026, 10, 19, 9), 1, False, id="friday-to-monday"),
        pytest.param(china(2026, 10, 16), china(2026, 10, 17), 0, False, id="paid-on-a-saturday-counts-nothing"),
        pytest.param(china(2026, 9, 30), china(2026, 10, 12), 4, False, id="across-national-day-and-make-up-saturday"),
        pytest.param(china(2026, 11, 2), china(2026, 11, 10, 18), 6, False, id="six-working-days"),
        pytest.param(china(2026, 12, 30), china(2027, 1, 4), 3, True, id="into-an-unknown-year-estimated"),
    ],
)
def test_small_claim_working_days_from_receipt_to_payment(
    received: datetime, paid: datetime, days: int, estimated: bool
) -> None:
    """Counted as periods are: the receipt day does not count, the payment day does if it is a working day."""
    assert small_claim_working_days(received, paid, WorkCalendar()) == WorkingDays(days, estimated)


def test_working_days_refuse_an_end_before_the_start() -> None:
    """A payment recorded before the complaint's receipt is an error naming both times, never a negative count."""
    with pytest.raises(ValueError, match=r"2026-11-01 10:00:00 CST is before the start 2026-11-02 10:00:00 CST"):
        working_days_between(china(2026, 11, 2), china(2026, 11, 1), WorkCalendar())


@pytest.mark.parametrize(
    ("counts", "average", "within"),
    [
        pytest.param([4, 9], Decimal("6.5"), True, id="on-target"),
        pytest.param([7, 7], Decimal("7.0"), False, id="over-target"),
        pytest.param([6, 7, 7], Decimal("6.7"), False, id="rounded-half-up-to-a-tenth"),
        pytest.param([0, 1, 2], Decimal("1.0"), True, id="fast"),
        pytest.param([], None, None, id="no-paid-small-claim"),
    ],
)
def test_small_claim_average_against_the_target(
    counts: list[int], average: Decimal | None, within: bool | None
) -> None:
    """The report's average beside the configured 6.5-working-day target; nothing is enforced."""
    figures = small_claim_figures([WorkingDays(n, False) for n in counts], DEFAULTS)
    assert (figures.count, figures.average, figures.within_target) == (len(counts), average, within)
    assert figures.target == Decimal("6.5") and not figures.estimated


# ---- settings and facts: bad values refused naming the field ------------------------------------------------------


def test_settings_defaults_are_the_sources() -> None:
    """The defaults are partners.md §1's periods; TOML-like input (a "17:00" string, a float 6.5) is read exactly."""
    assert DEFAULTS.forward_cutoff == time(17, 0) and DEFAULTS.after_hours_next_working_day
    assert [DEFAULTS.decision_days(stage) for stage in (15, 30, 60)] == [15, 30, 60]
    assert (DEFAULTS.review_request_days, DEFAULTS.review_decision_days, DEFAULTS.mediation_days) == (30, 30, 30)
    read = ComplaintDeadlineSettings.model_validate({"forward_cutoff": "17:30", "small_claim_target_working_days": 6.5})
    assert read.forward_cutoff == time(17, 30) and read.small_claim_target_working_days == Decimal("6.5")
    assert all(field.description for field in ComplaintDeadlineSettings.model_fields.values()), "every field told"


@pytest.mark.parametrize(
    ("given", "named"),
    [
        pytest.param({"decision_days_simple": 0}, "decision_days_simple", id="zero-days"),
        pytest.param({"centre_target_general_working_days": 61}, "centre_target_general_working_days", id="too-many"),
        pytest.param({"forward_cutoff": "25:00"}, "forward_cutoff", id="not-a-time"),
        pytest.param({"forward_cutoff": "17:00+08:00"}, "forward_cutoff", id="a-zone-on-a-china-time"),
        pytest.param({"small_claim_target_working_days": -1}, "small_claim_target_working_days", id="negative"),
        pytest.param({"review_request_days": "thirty"}, "review_request_days", id="not-a-number"),
        pytest.param({"decision_days_complex": 15}, "decision_days_complex", id="extension-not-longer"),
        pytest.param({"decision_days_especially_complex": 45, "decision_days_complex": 50}, "especially", id="60<30"),
        pytest.param({"forward_hours": "17:00"}, "forward_hours", id="unknown-key"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(given: dict[str, object], named: str) -> None:
    """pydantic refuses each with the field's name (the settings loader adds complaints.deadlines. before it)."""
    with pytest.raises(ValidationError, match=named):
        ComplaintDeadlineSettings.model_validate(given)


@pytest.mark.parametrize(
    ("more", "named"),
    [
        pytest.param({"stage": 45}, "stage: 45 is not a decision stage", id="stage"),
        pytest.param(
            {"pauses": ((china(2026, 10, 14), None), (china(2026, 10, 20), china(2026, 10, 19)))},
            r"pauses\[2\]: the appraisal ends \(2026-10-19 10:00:00 CST\) before it starts",
            id="pause-backwards",
        ),
    ],
)
def test_bad_facts_are_refused_naming_the_field(more: dict[str, Any], named: str) -> None:
    """Facts the store could fill wrongly fail at once, naming the field, never as a wrong date later."""
    with pytest.raises(ValueError, match=named):
        ComplaintFacts(S.HANDLING, FORWARDED, **more)
