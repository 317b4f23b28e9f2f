"""CaseFacts read back from a case's stored history, as the centre's use cases write it."""

from datetime import UTC, date, datetime

from adapter.deadlines import (
    CaseFacts,
    DeadlineKind,
    DeadlinePolicy,
    DueState,
    Extension,
    WorkCalendar,
    case_deadlines,
    facts_from_history,
)
from adapter.persistence.tables import CaseEventRow
from adapter.services import CentreServices
from adapter.states import CaseStatus, Event
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from schemas.clock import CHINA
from schemas.enums import Flow, Procedure
from tests.support import samples
from tests.support.cases import case_row, stored


def china(m: int, d: int, hh: int = 10) -> datetime:
    return datetime(2026, m, d, hh, tzinfo=CHINA)


def test_facts_from_a_real_history() -> None:
    """Receipt, acceptance, first session, a closed and an open suspension and an extension to a new last day."""
    clock = FakeClock(china(9, 4))
    store = FakeCaseStore()
    with store.begin() as cases:
        case = cases.create(samples.dispatch(Flow.DELEGATED), platform="p1", at=clock.now)
        cases.transition(case, Event.REGISTER, actor="test", at=clock.now)
        case_id = case.id
    services = CentreServices(store, clock)
    for when, act in [
        (china(9, 7), lambda: services.accept(case_id)),
        (china(9, 7, 11), lambda: services.assign_mediator(case_id, "李调解")),
        (china(9, 8), lambda: services.hold_session(case_id)),
        (china(9, 10), lambda: services.suspend(case_id, "appraisal")),
        (china(9, 12, 11), lambda: services.resume(case_id)),  # 2 days 1 hour: 2 whole days
        (china(9, 14), lambda: services.extend(case_id, date(2026, 10, 20))),
        (china(9, 15), lambda: services.suspend(case_id, "suspected sham mediation")),
    ]:
        clock.now = when
        act()

    facts = facts_from_history(*stored(store, case_id))

    assert facts == CaseFacts(
        flow=Flow.DELEGATED,
        procedure=Procedure.SIMPLE,
        status=CaseStatus.SUSPENDED,
        court_code="粤0104",
        received_at=china(9, 4),
        accepted_at=china(9, 7),
        contacted_at=china(9, 8),
        suspensions=((china(9, 10), china(9, 12, 11)), (china(9, 15), None)),
        extensions=(Extension(china(9, 14), new_due=date(2026, 10, 20)),),
    )
    due = {d.kind: d for d in case_deadlines(facts, DeadlinePolicy(), WorkCalendar(), china(9, 15, 12))}
    assert due[DeadlineKind.ACCEPTANCE].state is DueState.MET  # by 09-09
    assert due[DeadlineKind.CONTACT].state is DueState.MET
    mediation = due[DeadlineKind.MEDIATION]
    # 09-07 + 2 suspended days + 30 = 10-09; extended to 10-20 as agreed; suspended again: stopped.
    assert mediation.due.last_day == date(2026, 10, 20)
    assert mediation.stopped and mediation.state is DueState.OPEN and not mediation.capped
    # Three whole days into the second suspension, the agreed 10-20 has moved three days: Fri 10-23.
    later = {d.kind: d for d in case_deadlines(facts, DeadlinePolicy(), WorkCalendar(), china(9, 18, 12))}
    assert later[DeadlineKind.MEDIATION].due.last_day == date(2026, 10, 23)


def _event(event: Event, at: datetime, detail: str = "") -> CaseEventRow:
    return CaseEventRow(
        case_id="MC-1", at=at, event=event.value, from_status="", to_status="", actor="t", detail=detail
    )


def test_facts_fall_back_sensibly() -> None:
    """Court code from the 案号, receipt from created_at, `days` in an extension's detail, bad details ignored."""
    events = [
        _event(Event.ACCEPT, datetime(2026, 3, 2, 1, 0)),
        _event(Event.EXTEND, datetime(2026, 3, 20, 1, 0), '{"days": 12}'),
        _event(Event.EXTEND, datetime(2026, 3, 21, 1, 0), "not json"),
    ]
    facts = facts_from_history(case_row(), reversed(events))  # order does not matter
    assert facts.court_code == "粤0106"
    assert facts.received_at == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert facts.accepted_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert facts.extensions == (
        Extension(datetime(2026, 3, 20, 1, 0, tzinfo=UTC), days=12),
        Extension(datetime(2026, 3, 21, 1, 0, tzinfo=UTC)),
    )
    assert facts_from_history(case_row(case_number=None), []).court_code is None


def test_re_mediation_after_a_rejected_confirmation_restarts_the_clock() -> None:
    """After REMEDIATE [S3 Art 206] the old agreement and JC facts no longer close the new mediation."""
    events = [
        _event(Event.ACCEPT, datetime(2026, 3, 2, 1)),
        _event(Event.LAST_PARTY_SIGNS, datetime(2026, 3, 20, 1)),
        _event(Event.APPLY_JC, datetime(2026, 3, 25, 1)),
        _event(Event.JC_REJECTED, datetime(2026, 4, 20, 1)),
        _event(Event.REMEDIATE, datetime(2026, 5, 6, 1)),
    ]
    row = case_row(
        status="IN_MEDIATION", agreement_effective_at=datetime(2026, 3, 20, 1), dispatch_json='{"court_code": "京01"}'
    )
    facts = facts_from_history(row, events)
    assert facts.court_code == "京01" and facts.remediated_at == datetime(2026, 5, 6, 1, tzinfo=UTC)
    due = {d.kind: d for d in case_deadlines(facts, DeadlinePolicy(), WorkCalendar(), datetime(2026, 5, 7, tzinfo=UTC))}
    assert due[DeadlineKind.MEDIATION].due.last_day == date(2026, 6, 5)  # 05-06 + 30, a Friday
    assert due[DeadlineKind.MEDIATION].state is DueState.OPEN
    assert DeadlineKind.JC_APPLICATION not in due  # the rejected agreement's window is history
