"""The case state machine: the table is the whole truth, `advance()` follows it, and the graph has no dead ends."""

import itertools
from collections import deque

import pytest

from adapter.errors import DockingError
from adapter.states import (
    FINAL,
    TRANSITIONS,
    CaseStatus,
    Event,
    IllegalTransition,
    advance,
    court_view,
    is_final,
)
from schemas.enums import CourtStatus

ALL_PAIRS = list(itertools.product(CaseStatus, Event))
LEGAL = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def _ids(pair: tuple[CaseStatus, Event]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def _reachable_from(start: CaseStatus) -> set[CaseStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for event in Event:
            try:
                target = advance(status, event)
            except IllegalTransition:
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_both_legal_and_illegal_pairs_exist() -> None:
    """The parametrisation below covers every (status, event) pair, split into allowed and refused moves."""
    assert len(LEGAL) + len(ILLEGAL) == len(CaseStatus) * len(Event)
    assert LEGAL and ILLEGAL


@pytest.mark.parametrize(("status", "event"), LEGAL, ids=[_ids(p) for p in LEGAL])
def test_allowed_event_moves_the_case_to_the_tables_target(status: CaseStatus, event: Event) -> None:
    """An allowed event yields exactly the target status the transition table names."""
    assert advance(status, event) is TRANSITIONS[(status, event)]


@pytest.mark.parametrize(("status", "event"), ILLEGAL, ids=[_ids(p) for p in ILLEGAL])
def test_refused_event_raises_illegal_transition_naming_status_and_event(status: CaseStatus, event: Event) -> None:
    """An event the table does not allow raises IllegalTransition naming the status and the event."""
    with pytest.raises(IllegalTransition) as caught:
        advance(status, event)
    message = str(caught.value)
    assert status.value in message
    assert event.value in message
    assert caught.value.status is status
    assert caught.value.event is event


def test_illegal_transition_lists_the_events_that_are_allowed() -> None:
    """The error tells the operator what the case could do instead."""
    with pytest.raises(IllegalTransition, match=r"allowed here: .*accept.*decline"):
        advance(CaseStatus.PENDING_ACCEPTANCE, Event.HOLD_SESSION)


def test_illegal_transition_is_a_docking_error() -> None:
    """IllegalTransition belongs to the adapter's error tree, so the CLI maps it to an exit code."""
    assert issubclass(IllegalTransition, DockingError)


@pytest.mark.parametrize("status", list(CaseStatus), ids=lambda s: s.value)
def test_court_view_covers_every_status(status: CaseStatus) -> None:
    """Every internal status has a court-facing status."""
    assert isinstance(court_view(status), CourtStatus)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CaseStatus.RECEIVED, CourtStatus.PENDING),
        (CaseStatus.ACCEPTED, CourtStatus.ACCEPTED),
        (CaseStatus.SIGNING, CourtStatus.MEDIATING),
        (CaseStatus.AGREEMENT_EFFECTIVE, CourtStatus.SETTLED),
        (CaseStatus.JC_APPLIED, CourtStatus.JC_PENDING),
        (CaseStatus.RETURNED_TO_COURT, CourtStatus.RETURNED),
    ],
    ids=lambda v: v.value,
)
def test_court_view_of_milestones(status: CaseStatus, expected: CourtStatus) -> None:
    """The milestones a court tracks map to the court status of the same meaning."""
    assert court_view(status) is expected


@pytest.mark.parametrize("status", sorted(FINAL), ids=lambda s: s.value)
@pytest.mark.parametrize("has_court", [True, False])
def test_final_statuses_are_final_with_or_without_a_court(status: CaseStatus, has_court: bool) -> None:
    """A status in FINAL rests whether or not a court is involved."""
    assert is_final(status, has_court=has_court)


def test_terminated_is_final_only_without_a_court() -> None:
    """A terminated flow-C case rests; a terminated court case still has to go back to the court."""
    assert is_final(CaseStatus.TERMINATED, has_court=False)
    assert not is_final(CaseStatus.TERMINATED, has_court=True)


@pytest.mark.parametrize(
    "status", [s for s in CaseStatus if s not in FINAL and s is not CaseStatus.TERMINATED], ids=lambda s: s.value
)
def test_active_statuses_are_not_final(status: CaseStatus) -> None:
    """A case still in progress is never reported as at rest."""
    assert not is_final(status, has_court=True)
    assert not is_final(status, has_court=False)


@pytest.mark.parametrize(
    "status", [s for s in CaseStatus if s not in FINAL and s is not CaseStatus.RECEIVED], ids=lambda s: s.value
)
def test_every_active_status_is_reachable_from_received(status: CaseStatus) -> None:
    """No non-final status is orphaned: each can be reached from RECEIVED through the table."""
    assert status in _reachable_from(CaseStatus.RECEIVED)


@pytest.mark.parametrize("status", sorted(FINAL), ids=lambda s: s.value)
def test_final_statuses_have_no_exit_except_remediation_after_jc_rejection(status: CaseStatus) -> None:
    """A final status has no outgoing move; only a rejected agreement may be mediated again."""
    exits = {(s, e): target for (s, e), target in TRANSITIONS.items() if s is status}
    if status is CaseStatus.JC_REJECTED:
        assert exits == {(CaseStatus.JC_REJECTED, Event.REMEDIATE): CaseStatus.IN_MEDIATION}
    else:
        assert exits == {}


@pytest.mark.parametrize(
    "status", [s for s in CaseStatus if s not in FINAL and s is not CaseStatus.TERMINATED], ids=lambda s: s.value
)
def test_every_active_status_can_still_reach_a_final_status(status: CaseStatus) -> None:
    """No case can get stuck: from every active status some final status is reachable."""
    reachable = _reachable_from(status)
    assert reachable & FINAL


_PATHS = {
    "agreement_then_confirmation": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.ASSIGN_MEDIATOR, CaseStatus.MEDIATOR_ASSIGNED),
        (Event.HOLD_SESSION, CaseStatus.IN_MEDIATION),
        (Event.ASSIGN_MEDIATOR, CaseStatus.IN_MEDIATION),  # a replacement mediator
        (Event.DRAFT_AGREEMENT, CaseStatus.AGREEMENT_DRAFTED),
        (Event.PARTY_SIGNS, CaseStatus.SIGNING),
        (Event.PARTY_SIGNS, CaseStatus.SIGNING),
        (Event.LAST_PARTY_SIGNS, CaseStatus.AGREEMENT_EFFECTIVE),
        (Event.APPLY_JC, CaseStatus.JC_APPLIED),
        (Event.JC_CONFIRMED, CaseStatus.JC_CONFIRMED),
    ],
    "late_acceptance_suspension_extension": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPTANCE_TIMEOUT, CaseStatus.ACCEPTANCE_OVERDUE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.ASSIGN_MEDIATOR, CaseStatus.MEDIATOR_ASSIGNED),
        (Event.SUSPEND, CaseStatus.SUSPENDED),
        (Event.RESUME, CaseStatus.IN_MEDIATION),
        (Event.EXTEND, CaseStatus.EXTENDED),
        (Event.HOLD_SESSION, CaseStatus.IN_MEDIATION),
        (Event.DRAFT_AGREEMENT, CaseStatus.AGREEMENT_DRAFTED),
        (Event.LAST_PARTY_SIGNS, CaseStatus.AGREEMENT_EFFECTIVE),
        (Event.CLOSE_PERFORMED, CaseStatus.CLOSED_PERFORMED),
    ],
    "rejected_then_remediated_then_failed": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.ASSIGN_MEDIATOR, CaseStatus.MEDIATOR_ASSIGNED),
        (Event.DRAFT_AGREEMENT, CaseStatus.AGREEMENT_DRAFTED),
        (Event.LAST_PARTY_SIGNS, CaseStatus.AGREEMENT_EFFECTIVE),
        (Event.APPLY_JC, CaseStatus.JC_APPLIED),
        (Event.JC_REJECTED, CaseStatus.JC_REJECTED),
        (Event.REMEDIATE, CaseStatus.IN_MEDIATION),
        (Event.TERMINATE, CaseStatus.TERMINATED),
        (Event.RETURN_TO_COURT, CaseStatus.RETURNED_TO_COURT),
    ],
    "other_side_unreachable": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.TERMINATE, CaseStatus.TERMINATED),
    ],
    "refused_to_sign": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.ASSIGN_MEDIATOR, CaseStatus.MEDIATOR_ASSIGNED),
        (Event.DRAFT_AGREEMENT, CaseStatus.AGREEMENT_DRAFTED),
        (Event.PARTY_SIGNS, CaseStatus.SIGNING),
        (Event.TERMINATE, CaseStatus.TERMINATED),
    ],
    "post_filing_document_or_withdrawal": [
        (Event.REGISTER, CaseStatus.PENDING_ACCEPTANCE),
        (Event.ACCEPT, CaseStatus.ACCEPTED),
        (Event.ASSIGN_MEDIATOR, CaseStatus.MEDIATOR_ASSIGNED),
        (Event.DRAFT_AGREEMENT, CaseStatus.AGREEMENT_DRAFTED),
        (Event.LAST_PARTY_SIGNS, CaseStatus.AGREEMENT_EFFECTIVE),
        (Event.ISSUE_MEDIATION_DOC, CaseStatus.MEDIATION_DOC_ISSUED),
    ],
}


@pytest.mark.parametrize("path", list(_PATHS), ids=str)
def test_domain_paths_are_allowed_step_by_step(path: str) -> None:
    """The routes domain.md §2 describes, written out independently of the table, are each allowed."""
    status = CaseStatus.RECEIVED
    for event, expected in _PATHS[path]:
        status = advance(status, event)
        assert status is expected, f"{event.value} led to {status.value}"


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (CaseStatus.RECEIVED, Event.ACCEPT),  # not yet registered
        (CaseStatus.DECLINED, Event.ACCEPT),  # a decline is final
        (CaseStatus.SUSPENDED, Event.DRAFT_AGREEMENT),  # resume first
        (CaseStatus.SUSPENDED, Event.HOLD_SESSION),
        (CaseStatus.ACCEPTED, Event.DRAFT_AGREEMENT),  # no mediator yet
        (CaseStatus.AGREEMENT_EFFECTIVE, Event.TERMINATE),  # an effective agreement is not a failure
        (CaseStatus.JC_CONFIRMED, Event.REMEDIATE),  # only a rejected agreement is re-mediated
        (CaseStatus.TERMINATED, Event.ACCEPT),
    ],
    ids=lambda v: v.value,
)
def test_moves_the_domain_forbids_are_refused(status: CaseStatus, event: Event) -> None:
    """Moves domain.md rules out, written out independently of the table, raise IllegalTransition."""
    with pytest.raises(IllegalTransition):
        advance(status, event)
