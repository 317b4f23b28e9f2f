"""The arbitration state machine tested whole: every (status, event) pair against a table written out here by hand
from partners.md §3 and issue #19, independent of adapter/partners/arbitration/states.py; reachability; finals."""

import itertools
from collections import deque

import pytest

from adapter.partners.arbitration.states import FINAL, MACHINE, ArbEvent, ArbStatus
from tests.support.state_tables import assert_pair_as_table

S, E = ArbStatus, ArbEvent

WITHDRAW = {E.WITHDRAW: S.WITHDRAWN}
# Written from partners.md §3's suggested states and the Arbitration Law's order of things, not read from the table.
EXPECTED: dict[ArbStatus, dict[ArbEvent, ArbStatus]] = {
    S.DRAFT: {E.SUBMIT: S.SUBMITTED, E.ENTRUST: S.ENTRUSTED, **WITHDRAW},
    S.SUBMITTED: {E.ACCEPT: S.ACCEPTED, E.REFUSE: S.REFUSED, **WITHDRAW},
    S.REFUSED: {},
    # A tribunal while ACCEPTED: the fee was paid to the commission by a party directly.
    S.ACCEPTED: {E.PAY_FEE: S.FEE_PAID, E.FORM_TRIBUNAL: S.TRIBUNAL_FORMED, **WITHDRAW},
    S.FEE_PAID: {E.FORM_TRIBUNAL: S.TRIBUNAL_FORMED, **WITHDRAW},
    S.TRIBUNAL_FORMED: {
        E.HOLD_HEARING: S.IN_PROCEEDINGS,
        E.ISSUE_AWARD: S.EFFECTIVE,
        E.ISSUE_STATEMENT: S.INSTRUMENT_ISSUED,
        **WITHDRAW,
    },
    S.IN_PROCEEDINGS: {
        E.HOLD_HEARING: S.IN_PROCEEDINGS,
        E.ISSUE_AWARD: S.EFFECTIVE,
        E.ISSUE_STATEMENT: S.INSTRUMENT_ISSUED,
        **WITHDRAW,
    },
    S.INSTRUMENT_ISSUED: {E.SERVE: S.SERVING, E.ALL_SIGNED: S.EFFECTIVE, E.REPENT: S.REPENTED, **WITHDRAW},
    S.SERVING: {E.SERVE: S.SERVING, E.ALL_SIGNED: S.EFFECTIVE, E.REPENT: S.REPENTED, **WITHDRAW},
    S.REPENTED: {E.ISSUE_AWARD: S.AWARD_ISSUED, **WITHDRAW},
    S.EFFECTIVE: {
        E.FILE_SET_ASIDE: S.SET_ASIDE_PENDING,
        E.RULE_SET_ASIDE: S.SET_ASIDE,
        E.DISMISS_SET_ASIDE: S.UPHELD,
        E.CLOSE: S.CLOSED,
    },
    S.AWARD_ISSUED: {
        E.FILE_SET_ASIDE: S.SET_ASIDE_PENDING,
        E.RULE_SET_ASIDE: S.SET_ASIDE,
        E.DISMISS_SET_ASIDE: S.UPHELD,
        E.CLOSE: S.CLOSED,
    },
    S.SET_ASIDE_PENDING: {E.RULE_SET_ASIDE: S.SET_ASIDE, E.DISMISS_SET_ASIDE: S.UPHELD},
    S.SET_ASIDE: {E.CLOSE: S.CLOSED},
    S.UPHELD: {E.CLOSE: S.CLOSED},
    S.CLOSED: {},
    S.WITHDRAWN: {},
    S.ENTRUSTED: {E.START_MEDIATION: S.MEDIATING, E.SEND_RESULT: S.RESULT_SENT, **WITHDRAW},
    S.MEDIATING: {E.SEND_RESULT: S.RESULT_SENT, **WITHDRAW},
    S.RESULT_SENT: {E.CLOSE: S.CLOSED},
}

PAIRS = list(itertools.product(ArbStatus, ArbEvent))


def test_the_expected_table_names_every_status() -> None:
    assert set(EXPECTED) == set(ArbStatus)


@pytest.mark.parametrize(("status", "event"), PAIRS, ids=lambda v: str(v))
def test_each_pair_as_the_hand_table_says(status: ArbStatus, event: ArbEvent) -> None:
    assert_pair_as_table(MACHINE, EXPECTED, status, event)


def test_finals_are_exactly_the_statuses_without_a_way_out() -> None:
    assert {s for s, moves in EXPECTED.items() if not moves} == FINAL
    assert all(MACHINE.is_final(s.value) == (s in FINAL) for s in ArbStatus)
    assert {S.REFUSED, S.CLOSED, S.WITHDRAWN} == FINAL
    assert not MACHINE.paused  # no arbitration status stops a clock


def test_every_status_is_reachable_from_draft_and_every_open_one_reaches_a_final() -> None:
    seen, queue = {S.DRAFT}, deque([S.DRAFT])
    while queue:
        for target in EXPECTED[queue.popleft()].values():
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == set(ArbStatus)
    for start in ArbStatus:
        reach, todo = {start}, [start]
        while todo:
            for target in EXPECTED[todo.pop()].values():
                if target not in reach:
                    reach.add(target)
                    todo.append(target)
        assert reach & FINAL, f"{start} never ends"


@pytest.mark.parametrize(
    "path",
    [
        # a 调解书 served to both parties, no set-aside
        [E.SUBMIT, E.ACCEPT, E.PAY_FEE, E.FORM_TRIBUNAL, E.ISSUE_STATEMENT, E.SERVE, E.ALL_SIGNED, E.CLOSE],
        # a party backs out before signing → an award → set aside in month five
        [
            E.SUBMIT,
            E.ACCEPT,
            E.PAY_FEE,
            E.FORM_TRIBUNAL,
            E.HOLD_HEARING,
            E.ISSUE_STATEMENT,
            E.REPENT,
            E.ISSUE_AWARD,
            E.FILE_SET_ASIDE,
            E.RULE_SET_ASIDE,
            E.CLOSE,
        ],
        # an award on agreed terms, set-aside dismissed
        [E.SUBMIT, E.ACCEPT, E.FORM_TRIBUNAL, E.ISSUE_AWARD, E.FILE_SET_ASIDE, E.DISMISS_SET_ASIDE, E.CLOSE],
        [E.SUBMIT, E.REFUSE],
        [E.SUBMIT, E.ACCEPT, E.WITHDRAW],  # fee unpaid → deemed withdrawn
        [E.ENTRUST, E.START_MEDIATION, E.SEND_RESULT, E.CLOSE],
    ],
    ids=["statement", "repented-set-aside", "award-upheld", "refused", "fee-unpaid", "entrusted"],
)
def test_whole_paths_end_final(path: list[ArbEvent]) -> None:
    status = MACHINE.initial.value
    for event in path:
        status = MACHINE.advance(status, event.value)
    assert MACHINE.is_final(status)


def test_nothing_moves_once_in_effect_back_to_before_it() -> None:
    for status in (S.EFFECTIVE, S.AWARD_ISSUED, S.SET_ASIDE_PENDING, S.UPHELD, S.SET_ASIDE):
        assert E.WITHDRAW.value not in MACHINE.allowed(status.value)
