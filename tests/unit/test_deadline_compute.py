"""A case's due dates: the §3 periods by flow, suspension, extension with its cap, per-court overrides, state."""

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from adapter.deadlines import (
    CaseFacts,
    DeadlineKind,
    DeadlinePolicy,
    DueDate,
    DueState,
    Extension,
    Suspension,
    WorkCalendar,
    at_risk,
    case_deadlines,
)
from adapter.deadlines.calendar import forget_missing_years
from adapter.states import CaseStatus
from schemas.clock import CHINA
from schemas.enums import Flow, Procedure

K, S = DeadlineKind, CaseStatus
SAMPLE_2027 = Path(__file__).parent.parent / "data" / "holidays-2027.toml"


def china(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


def due(facts: CaseFacts, kind: DeadlineKind, now: datetime, policy: DeadlinePolicy | None = None) -> DueDate:
    found = {d.kind: d for d in case_deadlines(facts, policy or DeadlinePolicy(), WorkCalendar(), now)}
    return found[kind]


def mediating(
    flow: Flow,
    accepted: datetime,
    procedure: Procedure = Procedure.ORDINARY,
    *,
    status: CaseStatus = S.IN_MEDIATION,
    suspensions: tuple[Suspension, ...] = (),
    extensions: tuple[Extension, ...] = (),
) -> CaseFacts:
    """A case in mediation, accepted at `accepted` (received the day before, the other side contacted)."""
    return CaseFacts(
        flow,
        procedure,
        status,
        received_at=accepted - timedelta(days=1),
        accepted_at=accepted,
        contacted_at=accepted,
        suspensions=suspensions,
        extensions=extensions,
    )


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        pytest.param(china(2026, 2, 13), date(2026, 2, 25), id="fri-0213-make-up-sat-counts-then-0224-0225"),
        pytest.param(china(2026, 2, 12), date(2026, 2, 24), id="thu-0212-then-0213-0214-0224"),
        pytest.param(china(2026, 2, 18), date(2026, 2, 26), id="received-during-spring-festival"),
        pytest.param(china(2026, 2, 12, 23, 59), date(2026, 2, 24), id="late-evening-still-counts-from-next-day"),
        # 21:00 UTC on 02-12 is already 05:00 on 02-13 in Beijing.
        pytest.param(
            datetime.fromisoformat("2026-02-12T21:00:00+00:00"), date(2026, 2, 25), id="counted-in-china-time"
        ),
    ],
)
def test_acceptance_across_the_spring_festival(received: datetime, last_day: date) -> None:
    """3 working days from receipt of the dispatch [S2 Art 12], make-up Saturday 02-14 included."""
    facts = CaseFacts(Flow.ENTRUSTED, Procedure.ORDINARY, S.PENDING_ACCEPTANCE, received_at=received)
    found = due(facts, K.ACCEPTANCE, now=received)
    assert found.due.last_day == last_day
    assert found.due.closes_at == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), CHINA)
    assert found.state is DueState.OPEN and "[S2 Art 12]" in found.rule


@pytest.mark.parametrize(
    ("flow", "procedure", "accepted", "last_day"),
    [
        # 01-19 + 30 = 02-18 (Spring Festival) → Tue 02-24.
        pytest.param(Flow.DELEGATED, Procedure.ORDINARY, china(2026, 1, 19), date(2026, 2, 24), id="A-30-days"),
        # 09-05 + 30 = 10-05 (National Day) → Thu 10-08.
        pytest.param(Flow.PARTY_APPLIED, Procedure.ORDINARY, china(2026, 9, 5), date(2026, 10, 8), id="D-30-like-A"),
        # 09-16 + 15 = 10-01 → 10-08.
        pytest.param(Flow.ENTRUSTED, Procedure.ORDINARY, china(2026, 9, 16), date(2026, 10, 8), id="B-15-ordinary"),
        # 02-09 + 7 = 02-16 → 02-24.
        pytest.param(Flow.ENTRUSTED, Procedure.SIMPLE, china(2026, 2, 9), date(2026, 2, 24), id="B-7-simple"),
        # 02-21 + 7 = Sat 02-28, a make-up working day: no roll.
        pytest.param(Flow.ENTRUSTED, Procedure.SIMPLE, china(2026, 2, 21), date(2026, 2, 28), id="B-7-make-up-day"),
    ],
)
def test_mediation_period_ending_in_a_holiday(
    flow: Flow, procedure: Procedure, accepted: datetime, last_day: date
) -> None:
    """30 days pre-filing, 15 / 7 days post-filing, from acceptance; a holiday end rolls on [S2 Art 24]."""
    found = due(mediating(flow, accepted, procedure), K.MEDIATION, now=accepted)
    assert found.due.last_day == last_day and not found.capped and not found.stopped


def test_self_received_cases_have_no_mediation_period_unless_configured() -> None:
    """Flow C: no court-set period by default; a configured one is counted like the others."""
    facts = mediating(Flow.SELF_RECEIVED, china(2026, 9, 11))
    kinds = {d.kind for d in case_deadlines(facts, DeadlinePolicy(), WorkCalendar(), china(2026, 9, 11))}
    assert kinds == set()  # no acceptance, contact or mediation deadline for a self-received case
    configured = due(facts, K.MEDIATION, china(2026, 9, 11), DeadlinePolicy(mediation_days_self_received=20))
    assert configured.due.last_day == date(2026, 10, 8)  # 09-11 + 20 = 10-01 → 10-08


def test_contact_deadline_is_pre_filing_only() -> None:
    """3 working days from acceptance for flows A and D [S2 Art 15]; none for post-filing flow B."""
    accepted = china(2026, 9, 29)
    waiting = CaseFacts(Flow.DELEGATED, Procedure.ORDINARY, S.ACCEPTED, received_at=accepted, accepted_at=accepted)
    contact = due(waiting, K.CONTACT, now=china(2026, 10, 9, 9))
    assert contact.due.last_day == date(2026, 10, 9)  # 09-30, (National Day), 10-08, 10-09
    assert contact.state is DueState.DUE_SOON
    entrusted = CaseFacts(Flow.ENTRUSTED, Procedure.ORDINARY, S.ACCEPTED, received_at=accepted, accepted_at=accepted)
    assert K.CONTACT not in {d.kind for d in case_deadlines(entrusted, DeadlinePolicy(), WorkCalendar(), accepted)}


@pytest.mark.parametrize(
    ("effective", "last_day"),
    [
        pytest.param(china(2026, 9, 1, 15), date(2026, 10, 8), id="day-30-is-national-day"),
        pytest.param(china(2026, 1, 21), date(2026, 2, 24), id="day-30-is-spring-festival"),
        pytest.param(china(2026, 1, 29), date(2026, 2, 28), id="day-30-is-make-up-saturday"),
    ],
)
def test_jc_application_window(effective: datetime, last_day: date) -> None:
    """30 days from the last e-signature [S3 Art 205]; open only while the agreement is effective."""
    facts = CaseFacts(
        Flow.DELEGATED,
        Procedure.ORDINARY,
        S.AGREEMENT_EFFECTIVE,
        received_at=effective - timedelta(days=20),
        accepted_at=effective - timedelta(days=19),
        agreement_effective_at=effective,
    )
    window = due(facts, K.JC_APPLICATION, now=effective + timedelta(days=2))
    assert window.due.last_day == last_day and window.state is DueState.OPEN and "[S3 Art 205]" in window.rule
    assert due(facts, K.MEDIATION, now=effective).state is DueState.MET
    late = due(facts, K.JC_APPLICATION, now=window.due.closes_at)
    assert late.state is DueState.OVERDUE


def test_jc_review_and_the_states_of_earlier_deadlines() -> None:
    """JC review: 30 days from filing [S3 Art 187]; earlier deadlines are met, late or lapsed, never open."""
    facts = CaseFacts(
        Flow.DELEGATED,
        Procedure.ORDINARY,
        S.JC_APPLIED,
        received_at=china(2026, 8, 3),
        accepted_at=china(2026, 8, 10),  # 3 working days from 08-03 ended 08-06: late
        agreement_effective_at=china(2026, 8, 25),
        jc_applied_at=china(2026, 9, 7),
    )
    states = {d.kind: d for d in case_deadlines(facts, DeadlinePolicy(), WorkCalendar(), china(2026, 10, 7))}
    assert states[K.JC_REVIEW].due.last_day == date(2026, 10, 8)  # 09-07 + 30 = 10-07 (holiday) → 10-08
    assert states[K.JC_REVIEW].state is DueState.DUE_SOON
    assert states[K.ACCEPTANCE].state is DueState.LATE
    assert states[K.CONTACT].state is DueState.LAPSED  # never recorded, no longer relevant
    assert states[K.MEDIATION].state is DueState.MET
    assert states[K.JC_APPLICATION].state is DueState.MET
    assert at_risk(list(states.values()))


def test_a_closed_suspension_moves_the_deadline_by_whole_days() -> None:
    """1 day 23 hours suspended moves the deadline 1 day: partial days are not given [S2 Art 26]."""
    facts = mediating(
        Flow.DELEGATED, china(2026, 8, 10), suspensions=((china(2026, 8, 12, 10), china(2026, 8, 14, 9)),)
    )
    found = due(facts, K.MEDIATION, now=china(2026, 8, 20))
    assert found.due.last_day == date(2026, 9, 10)  # 08-10 + 30 = 09-09, + 1 day
    assert not found.stopped and found.state is DueState.OPEN and not found.capped


def test_an_open_suspension_stops_the_clock() -> None:
    """While suspended the deadline is never overdue; it shows the date as if resumed now, and `stopped`."""
    facts = mediating(
        Flow.DELEGATED, china(2026, 8, 10), status=S.SUSPENDED, suspensions=((china(2026, 8, 12, 10), None),)
    )
    found = due(facts, K.MEDIATION, now=china(2026, 9, 20, 12))  # unsuspended it closed after 09-09
    assert found.stopped and found.state is DueState.OPEN
    assert found.due.last_day == date(2026, 10, 19)  # 39 whole days: 08-10 + 69 = Sun 10-18 → Mon 10-19


@pytest.mark.parametrize(
    ("extensions", "last_day", "capped"),
    [
        # B ordinary from 09-01: 09-16; +10 = 09-26 (Mid-Autumn Saturday) → Mon 09-28.
        pytest.param((Extension(china(2026, 9, 10), 10),), date(2026, 9, 28), False, id="plus-10-days"),
        # +20 +15 = 35 > 30: capped at 30 → 09-01 + 45 = 10-16.
        pytest.param(
            (Extension(china(2026, 9, 10), 20), Extension(china(2026, 10, 1), 15)),
            date(2026, 10, 16),
            True,
            id="over-the-cap",
        ),
        # As services.extend records it: a new last day, 10-12 → 26 days.
        pytest.param(
            [Extension(china(2026, 9, 10), new_due=date(2026, 10, 12))], date(2026, 10, 12), False, id="new-due"
        ),
        pytest.param(
            (Extension(china(2026, 9, 10), new_due=date(2026, 10, 30)),),
            date(2026, 10, 16),
            True,
            id="new-due-over-cap",
        ),
    ],
)
def test_extension_with_consent_for_flow_b(extensions: tuple[Extension, ...], last_day: date, capped: bool) -> None:
    """Extensions add days, at most max_extension_days (30) in all for post-filing cases [S8]."""
    facts = mediating(Flow.ENTRUSTED, china(2026, 9, 1), status=S.EXTENDED, extensions=extensions)
    found = due(facts, K.MEDIATION, now=china(2026, 9, 10))
    assert found.due.last_day == last_day and found.capped is capped
    assert any("max_extension_days" in note for note in found.notes) is capped


def test_pre_filing_extensions_are_unlimited_by_default() -> None:
    """Flow A: all parties may extend without limit [S2 Art 24]: 06-01 + 90 = Sun 08-30 → 08-31."""
    facts = mediating(Flow.DELEGATED, china(2026, 6, 1), extensions=(Extension(china(2026, 6, 20), 60),))
    found = due(facts, K.MEDIATION, now=china(2026, 6, 20))
    assert found.due.last_day == date(2026, 8, 31) and not found.capped


GUANGZHOU = DeadlinePolicy.model_validate(
    {
        "courts": {
            "粤": {"mediation_days_delegated": 20},
            "粤01": {"mediation_days_delegated": 25, "mediation_days_cap": 30},
            "粤0104": {"max_extension_days_pre_filing": 3},
        }
    }
)


@pytest.mark.parametrize(
    ("court", "last_day", "capped"),
    [
        # 粤01: base 25, +20 = 45, capped at 30 → 09-10 + 30 = Sat 10-10, a make-up working day.
        pytest.param("粤0105", date(2026, 10, 10), True, id="guangzhou-district-30-day-cap"),
        # 粤0104: 粤01's base and cap, its own 3-day extension limit: 28 days → 10-08.
        pytest.param("粤0104", date(2026, 10, 8), True, id="longest-prefix-sets-only-its-field"),
        # 粤02 (Shaoguan): only 粤 applies, 20 + 20 = 40 days → 10-20.
        pytest.param("粤0203", date(2026, 10, 20), False, id="province-prefix-only"),
        # Another province: statutory 30 + 20 = 50 → 10-30.
        pytest.param("京0105", date(2026, 10, 30), False, id="no-override"),
    ],
)
def test_per_court_overrides(court: str, last_day: date, capped: bool) -> None:
    """Court overrides layer by code prefix; the longest prefix wins field by field."""
    facts = CaseFacts(
        Flow.DELEGATED,
        Procedure.ORDINARY,
        S.EXTENDED,
        court_code=court,
        received_at=china(2026, 9, 9),
        accepted_at=china(2026, 9, 10),
        extensions=(Extension(china(2026, 9, 20), 20),),
    )
    found = due(facts, K.MEDIATION, now=china(2026, 9, 20), policy=GUANGZHOU)
    assert found.due.last_day == last_day and found.capped is capped


def test_court_policy_layers() -> None:
    """for_court merges prefixes shortest first; an unknown court gets the defaults."""
    assert GUANGZHOU.for_court("粤0104").mediation_days_delegated == 25
    assert GUANGZHOU.for_court("粤0104").mediation_days_cap == 30
    assert GUANGZHOU.for_court("粤0104").max_extension_days_pre_filing == 3
    assert GUANGZHOU.for_court("粤0105").max_extension_days_pre_filing is None
    assert GUANGZHOU.for_court(None).mediation_days_delegated == 30


def test_court_keys_must_look_like_court_codes() -> None:
    """A typo in a court key is refused at start-up, not silently never matched."""
    with pytest.raises(ValueError, match="court code or its prefix"):
        DeadlinePolicy.model_validate({"courts": {"Guangzhou": {"mediation_days_cap": 30}}})
    with pytest.raises(ValueError, match="extra"):
        DeadlinePolicy.model_validate({"courts": {"粤01": {"mediation_cap": 30}}})


def test_warn_window_makes_a_deadline_due_soon() -> None:
    """Within warn_within_days of closing a binding deadline is due_soon; after closing, overdue."""
    facts = CaseFacts(Flow.ENTRUSTED, Procedure.ORDINARY, S.PENDING_ACCEPTANCE, received_at=china(2026, 2, 13))
    closes = datetime(2026, 2, 26, tzinfo=CHINA)  # the end of 02-25
    assert due(facts, K.ACCEPTANCE, closes - timedelta(days=3, seconds=1)).state is DueState.OPEN
    assert due(facts, K.ACCEPTANCE, closes - timedelta(days=3)).state is DueState.DUE_SOON
    assert due(facts, K.ACCEPTANCE, closes).state is DueState.OVERDUE
    quiet = DeadlinePolicy(warn_within_days=0)
    assert due(facts, K.ACCEPTANCE, closes - timedelta(seconds=1), quiet).state is DueState.OPEN
    declined = CaseFacts(Flow.ENTRUSTED, Procedure.ORDINARY, S.DECLINED, received_at=china(2026, 2, 13))
    assert due(declined, K.ACCEPTANCE, closes).state is DueState.LAPSED


def test_a_deadline_in_an_uncovered_year_is_estimated(caplog: pytest.LogCaptureFixture) -> None:
    """Beyond the package and without a holiday file: estimated, and the year is named in a warning."""
    facts = mediating(Flow.ENTRUSTED, china(2027, 9, 20))
    forget_missing_years()  # warned once per process: whatever ran before in this process may have met 2027
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        found = due(facts, K.MEDIATION, now=china(2027, 9, 21))
    assert found.estimated and found.due.last_day == date(2027, 10, 5)  # a guessed working Tuesday
    assert "2027" in caplog.text


def test_a_deadline_in_a_declared_year_is_not_estimated() -> None:
    """With the operator's 2027 file: its holiday rolls the date, and nothing is estimated."""
    facts = mediating(Flow.ENTRUSTED, china(2027, 1, 26))  # + 15 = Wed 02-10, a sample holiday → Mon 02-15
    calendar = WorkCalendar.from_file(SAMPLE_2027)
    found = {d.kind: d for d in case_deadlines(facts, DeadlinePolicy(), calendar, china(2027, 1, 27))}
    assert found[K.MEDIATION].due.last_day == date(2027, 2, 15) and not found[K.MEDIATION].estimated
