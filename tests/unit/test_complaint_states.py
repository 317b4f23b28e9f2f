"""The complaint state machine tested whole: every (status, event) pair against a table written out here by hand
from partners.md §1 and issue #18, independent of adapter/complaints/states.py."""

import itertools
from collections import deque

import pytest

from adapter.complaints.states import (
    FINAL,
    TRANSITIONS,
    ComplaintEvent,
    ComplaintStatus,
    IllegalComplaintTransition,
    advance,
    is_final,
)
from adapter.errors import DockingError

S, E = ComplaintStatus, ComplaintEvent

_OPEN_AT_DESK = {  # the institution handles it and has not decided: decisions, small claims and conversion arrive
    E.DECIDE: S.DECIDED,
    E.SMALL_CLAIM_DECIDE: S.SMALL_CLAIM_DECIDED,
    E.WITHDRAW: S.WITHDRAWN,
    E.CONVERT_TO_MEDIATION: S.TO_MEDIATION,
}

# Written from the issue's and partners.md §1's description, not read from TRANSITIONS.
EXPECTED: dict[ComplaintStatus, dict[ComplaintEvent, ComplaintStatus]] = {
    S.RECEIVED: {E.FORWARD: S.FORWARDED, E.MERGE: S.MERGED, E.WITHDRAW: S.WITHDRAWN},
    # Forwarded, not yet acknowledged: a decision (or small-claim decision, or both sides' consent to mediation)
    # may arrive before the ack.
    S.FORWARDED: {E.ACKNOWLEDGE: S.ACKNOWLEDGED, **_OPEN_AT_DESK},
    S.ACKNOWLEDGED: {E.CONTACT: S.HANDLING, E.EXTEND_30: S.EXTENDED_30, **_OPEN_AT_DESK},
    S.HANDLING: {E.CONTACT: S.HANDLING, E.EXTEND_30: S.EXTENDED_30, **_OPEN_AT_DESK},
    S.EXTENDED_30: {E.CONTACT: S.EXTENDED_30, E.EXTEND_60: S.EXTENDED_60, **_OPEN_AT_DESK},
    S.EXTENDED_60: {E.CONTACT: S.EXTENDED_60, **_OPEN_AT_DESK},
    S.SMALL_CLAIM_DECIDED: {
        E.SMALL_CLAIM_PAID: S.PAID,
        E.WITHDRAW: S.WITHDRAWN,
        E.CONVERT_TO_MEDIATION: S.TO_MEDIATION,
    },
    S.PAID: {E.VISIT: S.VISITED, E.CLOSE: S.CLOSED, E.WITHDRAW: S.WITHDRAWN},
    S.DECIDED: {
        E.REQUEST_REVIEW: S.REVIEW_REQUESTED,
        E.VISIT: S.VISITED,
        E.CLOSE: S.CLOSED,
        E.WITHDRAW: S.WITHDRAWN,
        E.CONVERT_TO_MEDIATION: S.TO_MEDIATION,
    },
    S.REVIEW_REQUESTED: {E.DECIDE_REVIEW: S.REVIEW_DECIDED, E.WITHDRAW: S.WITHDRAWN},
    S.REVIEW_DECIDED: {
        E.VISIT: S.VISITED,
        E.CLOSE: S.CLOSED,
        E.WITHDRAW: S.WITHDRAWN,
        E.CONVERT_TO_MEDIATION: S.TO_MEDIATION,
    },
    S.VISITED: {
        E.REQUEST_REVIEW: S.REVIEW_REQUESTED,
        E.CLOSE: S.CLOSED,
        E.WITHDRAW: S.WITHDRAWN,
        E.CONVERT_TO_MEDIATION: S.TO_MEDIATION,
    },
    S.CLOSED: {},
    S.WITHDRAWN: {},
    S.MERGED: {},
    S.TO_MEDIATION: {},
}

ALL_PAIRS = list(itertools.product(ComplaintStatus, ComplaintEvent))
LEGAL = [(s, e) for s, e in ALL_PAIRS if e in EXPECTED[s]]
ILLEGAL = [(s, e) for s, e in ALL_PAIRS if e not in EXPECTED[s]]
OPEN = [s for s in ComplaintStatus if s not in FINAL]


def _id(pair: tuple[ComplaintStatus, ComplaintEvent]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def _reachable_from(start: ComplaintStatus) -> set[ComplaintStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for event in ComplaintEvent:
            try:
                target = advance(status, event)
            except IllegalComplaintTransition:
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_the_expected_table_names_every_status_and_the_pairs_split_in_two() -> None:
    """The hand-written table covers every status, so the two parametrisations below cover every pair."""
    assert set(EXPECTED) == set(ComplaintStatus)
    assert len(LEGAL) + len(ILLEGAL) == len(ComplaintStatus) * len(ComplaintEvent)


def test_the_module_table_holds_exactly_the_expected_moves() -> None:
    """TRANSITIONS has no move the expected table lacks, and lacks none it has."""
    expected = {(s, e): target for s, moves in EXPECTED.items() for e, target in moves.items()}
    assert expected == TRANSITIONS


@pytest.mark.parametrize(("status", "event"), LEGAL, ids=[_id(p) for p in LEGAL])
def test_allowed_event_moves_the_complaint_where_the_expected_table_says(
    status: ComplaintStatus, event: ComplaintEvent
) -> None:
    """An allowed event yields the target of the independent table."""
    assert advance(status, event) is EXPECTED[status][event]


@pytest.mark.parametrize(("status", "event"), ILLEGAL, ids=[_id(p) for p in ILLEGAL])
def test_refused_event_raises_naming_the_status_and_the_allowed_events(
    status: ComplaintStatus, event: ComplaintEvent
) -> None:
    """A refused event raises IllegalComplaintTransition naming the status, the event and what is allowed there."""
    with pytest.raises(IllegalComplaintTransition) as caught:
        advance(status, event)
    error = caught.value
    message = str(error)
    assert error.status is status and error.event is event
    assert status.value in message and event.value in message
    allowed = sorted(e.value for e in EXPECTED[status])
    assert error.allowed == allowed
    if allowed:
        assert message.endswith("allowed here: " + ", ".join(allowed))
    else:
        assert message.endswith("allowed here: nothing")


def test_illegal_complaint_transition_is_a_docking_error() -> None:
    """It belongs to the adapter's error tree, so the CLI and the API map it like a case's IllegalTransition."""
    assert issubclass(IllegalComplaintTransition, DockingError)


@pytest.mark.parametrize("status", list(ComplaintStatus), ids=lambda s: s.value)
def test_every_status_is_reachable_from_received(status: ComplaintStatus) -> None:
    """No status is orphaned: each can be reached from RECEIVED through the table."""
    assert status in _reachable_from(S.RECEIVED)


@pytest.mark.parametrize("status", sorted(FINAL), ids=lambda s: s.value)
def test_final_statuses_have_no_exit(status: ComplaintStatus) -> None:
    """A final status rests: every event is refused there."""
    assert is_final(status)
    for event in ComplaintEvent:
        with pytest.raises(IllegalComplaintTransition, match="allowed here: nothing"):
            advance(status, event)


def test_the_final_statuses_are_closed_withdrawn_merged_and_to_mediation() -> None:
    """Exactly the four ends of a complaint are final (a converted complaint lives on as a case)."""
    assert frozenset({S.CLOSED, S.WITHDRAWN, S.MERGED, S.TO_MEDIATION}) == FINAL


@pytest.mark.parametrize("status", OPEN, ids=lambda s: s.value)
def test_open_statuses_are_not_final_and_can_still_end(status: ComplaintStatus) -> None:
    """An open complaint is never reported at rest, and some final status is still reachable from it."""
    assert not is_final(status)
    assert _reachable_from(status) & FINAL


@pytest.mark.parametrize("status", OPEN, ids=lambda s: s.value)
def test_a_withdrawal_ends_every_open_complaint(status: ComplaintStatus) -> None:
    """Withdrawal ends handling on arrival, from any open status (partners.md §1)."""
    assert advance(status, E.WITHDRAW) is S.WITHDRAWN


def test_extensions_go_only_from_15_to_30_to_60() -> None:
    """30 is reached only from the 15-day stage, 60 only from 30; never 60 directly, never back, never past 60."""
    to_30 = {s for (s, e), target in TRANSITIONS.items() if target is S.EXTENDED_30 and s is not S.EXTENDED_30}
    to_60 = {s for (s, e), target in TRANSITIONS.items() if target is S.EXTENDED_60 and s is not S.EXTENDED_60}
    assert to_30 == {S.ACKNOWLEDGED, S.HANDLING}
    assert to_60 == {S.EXTENDED_30}
    for stage in (S.ACKNOWLEDGED, S.HANDLING):
        with pytest.raises(IllegalComplaintTransition):
            advance(stage, E.EXTEND_60)
    for event in (E.EXTEND_30, E.EXTEND_60):
        with pytest.raises(IllegalComplaintTransition):
            advance(S.EXTENDED_60, event)
    with pytest.raises(IllegalComplaintTransition):
        advance(S.EXTENDED_30, E.EXTEND_30)
    undecided = {S.FORWARDED, S.ACKNOWLEDGED, S.HANDLING}
    assert not any(target in undecided for (s, _), target in TRANSITIONS.items() if s in (S.EXTENDED_30, S.EXTENDED_60))


def test_merge_only_from_received() -> None:
    """A repeat without new facts is merged before it is forwarded [P33]; never once forwarded."""
    assert {s for (s, e) in TRANSITIONS if e is E.MERGE} == {S.RECEIVED}
    assert advance(S.RECEIVED, E.MERGE) is S.MERGED


_PATHS = {
    "forwarded_extended_decided_visited_closed": [
        (E.FORWARD, S.FORWARDED),
        (E.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (E.CONTACT, S.HANDLING),
        (E.EXTEND_30, S.EXTENDED_30),
        (E.CONTACT, S.EXTENDED_30),
        (E.EXTEND_60, S.EXTENDED_60),
        (E.DECIDE, S.DECIDED),
        (E.VISIT, S.VISITED),
        (E.CLOSE, S.CLOSED),
    ],
    "small_claim_paid": [
        (E.FORWARD, S.FORWARDED),
        (E.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (E.SMALL_CLAIM_DECIDE, S.SMALL_CLAIM_DECIDED),
        (E.SMALL_CLAIM_PAID, S.PAID),
        (E.VISIT, S.VISITED),
        (E.CLOSE, S.CLOSED),
    ],
    "decided_before_ack_then_review": [
        (E.FORWARD, S.FORWARDED),
        (E.DECIDE, S.DECIDED),
        (E.REQUEST_REVIEW, S.REVIEW_REQUESTED),
        (E.DECIDE_REVIEW, S.REVIEW_DECIDED),
        (E.CONVERT_TO_MEDIATION, S.TO_MEDIATION),
    ],
    "repeat_merged": [(E.MERGE, S.MERGED)],
}


@pytest.mark.parametrize("path", list(_PATHS), ids=list(_PATHS))
def test_whole_paths_through_the_machine(path: str) -> None:
    """The journeys of partners.md §1 run from RECEIVED to rest, step by step."""
    status = S.RECEIVED
    for event, expected in _PATHS[path]:
        status = advance(status, event)
        assert status is expected, f"{event.value} led to {status.value}"
    assert is_final(status)
