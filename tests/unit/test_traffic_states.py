"""The traffic case's Machine tested whole: every (status, event) pair against a table written out here by hand
from partners.md §2 and issue #19, independent of adapter/partners/traffic/states.py."""

import itertools
from collections import deque

import pytest

from adapter.errors import DockingError
from adapter.partners.machine import IllegalPartnerTransition
from adapter.partners.traffic.states import FINAL, MACHINE, PAUSES, TRANSITIONS, TrafficEvent, TrafficStatus

S, E = TrafficStatus, TrafficEvent

_CLAIM_AGAIN = {E.REQUEST_CLAIM: S.CLAIM_REQUESTED}  # another insurer's claim, or a new basis
_FAIL = {E.TERMINATE: S.TERMINATED}  # the parties give up: any time during mediation, paused or not

# Written from the issue's and partners.md §2's description, not read from TRANSITIONS.
EXPECTED: dict[TrafficStatus, dict[TrafficEvent, TrafficStatus]] = {
    S.OFFERED: {E.ACCEPT: S.ACCEPTED, E.DECLINE: S.DECLINED, E.OFFER_OVERDUE: S.OFFER_OVERDUE},
    S.OFFER_OVERDUE: {E.ACCEPT: S.ACCEPTED, E.DECLINE: S.DECLINED, E.CLOSE: S.CLOSED},
    S.DECLINED: {},
    S.ACCEPTED: {E.START_MEDIATION: S.MEDIATING, E.REVIEW_REQUESTED: S.LIABILITY_UNDER_REVIEW, **_FAIL},
    S.MEDIATING: {
        E.REQUEST_APPRAISAL: S.APPRAISAL_PENDING,
        E.REVIEW_REQUESTED: S.LIABILITY_UNDER_REVIEW,
        E.AGREE: S.AGREEMENT_EFFECTIVE,
        **_FAIL,
    },
    S.APPRAISAL_PENDING: {E.APPRAISAL_DONE: S.MEDIATING, E.REVIEW_REQUESTED: S.LIABILITY_UNDER_REVIEW, **_FAIL},
    S.LIABILITY_UNDER_REVIEW: {
        E.REVIEW_CLOSED: S.MEDIATING,
        E.REVIEW_CLOSED_APPRAISAL_OPEN: S.APPRAISAL_PENDING,
        E.REVIEW_CLOSED_UNSTARTED: S.ACCEPTED,
        **_FAIL,
    },
    S.AGREEMENT_EFFECTIVE: {E.APPLY_JC: S.JC_APPLIED, E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    # The court may never rule (due in 30 days, [S3 Art 187]): withdrawn or not accepted, or closed (#19 review).
    S.JC_APPLIED: {
        E.JC_CONFIRM: S.JC_CONFIRMED,
        E.JC_REJECT: S.JC_REJECTED,
        E.JC_WITHDRAW: S.AGREEMENT_EFFECTIVE,
        E.CLOSE: S.CLOSED,
    },
    S.JC_CONFIRMED: {E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    S.JC_REJECTED: {E.ADVISE_LITIGATION: S.LITIGATION_ADVISED, E.CLOSE: S.CLOSED},
    S.TERMINATED: {E.ADVISE_LITIGATION: S.LITIGATION_ADVISED, E.CLOSE: S.CLOSED},
    S.LITIGATION_ADVISED: {E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    S.CLAIM_REQUESTED: {
        E.ASSESS: S.CLAIM_ASSESSING,
        E.AGREE_CLAIM: S.CLAIM_AGREED,
        E.PAY: S.PAID,
        E.PART_PAY: S.PART_PAID,
        E.REFUSE: S.CLAIM_REFUSED,
        **_CLAIM_AGAIN,
    },
    S.CLAIM_ASSESSING: {
        E.AGREE_CLAIM: S.CLAIM_AGREED,
        E.PAY: S.PAID,
        E.PART_PAY: S.PART_PAID,
        E.REFUSE: S.CLAIM_REFUSED,
        **_CLAIM_AGAIN,
    },
    S.CLAIM_AGREED: {E.PAY: S.PAID, E.PART_PAY: S.PART_PAID, E.REFUSE: S.CLAIM_REFUSED, **_CLAIM_AGAIN},
    S.PAID: {E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    S.PART_PAID: {E.PAY: S.PAID, E.ESCALATE: S.ESCALATED, E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    S.CLAIM_REFUSED: {E.ESCALATE: S.ESCALATED, **_CLAIM_AGAIN},
    S.ESCALATED: {E.CLOSE: S.CLOSED, **_CLAIM_AGAIN},
    S.CLOSED: {},
}

ALL_PAIRS = list(itertools.product(TrafficStatus, TrafficEvent))
LEGAL = [(s, e) for s, e in ALL_PAIRS if e in EXPECTED[s]]
ILLEGAL = [(s, e) for s, e in ALL_PAIRS if e not in EXPECTED[s]]
OPEN = [s for s in TrafficStatus if s not in FINAL]


def _id(pair: tuple[TrafficStatus, TrafficEvent]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def _reachable_from(start: TrafficStatus) -> set[str]:
    seen, queue = {start.value}, deque([start.value])
    while queue:
        status = queue.popleft()
        for event in MACHINE.allowed(status):
            target = MACHINE.advance(status, event)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_the_expected_table_names_every_status_and_the_pairs_split_in_two() -> None:
    assert set(EXPECTED) == set(TrafficStatus)
    assert len(LEGAL) + len(ILLEGAL) == len(TrafficStatus) * len(TrafficEvent)


def test_the_module_table_holds_exactly_the_expected_moves() -> None:
    """TRANSITIONS has no move the expected table lacks, and lacks none it has."""
    expected = {(s, e): target for s, moves in EXPECTED.items() for e, target in moves.items()}
    assert expected == TRANSITIONS


@pytest.mark.parametrize(("status", "event"), LEGAL, ids=[_id(p) for p in LEGAL])
def test_allowed_event_moves_the_case_where_the_expected_table_says(status: TrafficStatus, event: TrafficEvent) -> None:
    assert MACHINE.advance(status.value, event.value) == EXPECTED[status][event].value


@pytest.mark.parametrize(("status", "event"), ILLEGAL, ids=[_id(p) for p in ILLEGAL])
def test_refused_event_raises_naming_the_status_and_the_allowed_events(
    status: TrafficStatus, event: TrafficEvent
) -> None:
    with pytest.raises(IllegalPartnerTransition) as caught:
        MACHINE.advance(status.value, event.value)
    error = caught.value
    allowed = sorted(e.value for e in EXPECTED[status])
    assert (error.kind, error.status, error.event, error.allowed) == ("traffic", status.value, event.value, allowed)
    assert str(error).endswith("allowed here: " + (", ".join(allowed) or "nothing"))
    assert isinstance(error, DockingError)


@pytest.mark.parametrize("status", list(TrafficStatus), ids=lambda s: s.value)
def test_every_status_is_reachable_from_offered(status: TrafficStatus) -> None:
    assert MACHINE.initial is S.OFFERED
    assert status.value in _reachable_from(S.OFFERED)


@pytest.mark.parametrize("status", sorted(FINAL), ids=lambda s: s.value)
def test_final_statuses_have_no_exit(status: TrafficStatus) -> None:
    assert MACHINE.is_final(status.value)
    assert MACHINE.allowed(status.value) == []


def test_the_final_statuses_are_declined_and_closed() -> None:
    assert frozenset({S.DECLINED, S.CLOSED}) == FINAL


@pytest.mark.parametrize("status", OPEN, ids=lambda s: s.value)
def test_open_statuses_are_not_final_and_can_still_end(status: TrafficStatus) -> None:
    assert not MACHINE.is_final(status.value)
    assert _reachable_from(status) & {s.value for s in FINAL}


def test_the_pauses_are_appraisal_and_liability_review_only() -> None:
    """The mediation clock stands still in exactly these two [P44 Arts 24, 26]; partners.md §2 Guards."""
    assert frozenset({S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW}) == PAUSES
    assert [s for s in TrafficStatus if MACHINE.is_paused(s.value)] == [S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW]


def test_a_claim_is_filed_only_after_an_enforceable_basis_can_exist() -> None:
    """Never during the offer or mediation (no agreement yet), nor while JC is pending or after it was rejected."""
    claim_from = {s for (s, e) in TRANSITIONS if e is E.REQUEST_CLAIM}
    assert claim_from.isdisjoint(
        {S.OFFERED, S.ACCEPTED, S.MEDIATING, *PAUSES, S.JC_APPLIED, S.JC_REJECTED, S.TERMINATED}
    )


_PATHS = {
    "agreement_jc_claim_paid": [
        E.ACCEPT,
        E.START_MEDIATION,
        E.REQUEST_APPRAISAL,
        E.APPRAISAL_DONE,
        E.AGREE,
        E.APPLY_JC,
        E.JC_CONFIRM,
        E.REQUEST_CLAIM,
        E.ASSESS,
        E.AGREE_CLAIM,
        E.PAY,
        E.CLOSE,
    ],
    "review_during_appraisal_then_refused_escalated": [
        E.ACCEPT,
        E.START_MEDIATION,
        E.REQUEST_APPRAISAL,
        E.REVIEW_REQUESTED,
        E.REVIEW_CLOSED_APPRAISAL_OPEN,
        E.APPRAISAL_DONE,
        E.AGREE,
        E.APPLY_JC,
        E.JC_CONFIRM,
        E.REQUEST_CLAIM,
        E.REFUSE,
        E.ESCALATE,
        E.CLOSE,
    ],
    "failure_litigation_judgment_claim": [
        E.ACCEPT,
        E.START_MEDIATION,
        E.TERMINATE,
        E.ADVISE_LITIGATION,
        E.REQUEST_CLAIM,
        E.PART_PAY,
        E.PAY,
        E.CLOSE,
    ],
    "offer_overdue_then_declined": [E.OFFER_OVERDUE, E.DECLINE],
}


@pytest.mark.parametrize("events", list(_PATHS.values()), ids=list(_PATHS))
def test_whole_paths_run_to_a_final_status(events: list[TrafficEvent]) -> None:
    status = MACHINE.initial.value
    for event in events:
        status = MACHINE.advance(status, event.value)
    assert MACHINE.is_final(status)
