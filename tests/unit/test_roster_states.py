"""The roster machine tested whole: every (status, event) pair against a table written out here by hand from
partners.md §4 and issue #19, independent of adapter/partners/roster/states.py; reachability, finals, and the
entities kept apart (no event leads from an entry's statuses into a registration's, or back)."""

import itertools
from collections import deque

import pytest

from adapter.partners.roster.states import (
    MACHINE,
    OPENING_EVENT,
    STATUSES_OF,
    RosterEntity,
    RosterEvent,
    RosterStatus,
)
from tests.support.state_tables import assert_pair_as_table

S, E = RosterStatus, RosterEvent


# Written from partners.md §4 "Suggested model" and the brief, not read from TRANSITIONS.
EXPECTED: dict[RosterStatus, dict[RosterEvent, RosterStatus]] = {
    S.NEW: {E.DRAFT: S.DRAFT, E.QUEUE_REGISTRATION: S.PENDING, E.RECORD_STATISTICS: S.RECORDED},
    S.DRAFT: {E.SUBMIT: S.SUBMITTED, E.RETIRE: S.RETIRED},
    S.SUBMITTED: {E.CERTIFY: S.CERTIFIED, E.REJECT: S.REJECTED, E.RETIRE: S.RETIRED},
    S.REJECTED: {E.SUBMIT: S.SUBMITTED, E.RETIRE: S.RETIRED},
    S.CERTIFIED: {
        E.ACTIVATE: S.ACTIVE, E.UPDATE: S.CERTIFIED, E.EXPIRE: S.EXPIRED, E.RETIRE: S.RETIRED, E.REMOVE: S.RETIRED,
    },
    S.ACTIVE: {
        E.SUSPEND: S.SUSPENDED, E.UPDATE: S.ACTIVE, E.EXPIRE: S.EXPIRED, E.RETIRE: S.RETIRED, E.REMOVE: S.RETIRED,
    },
    S.SUSPENDED: {
        E.RESUME: S.ACTIVE, E.UPDATE: S.SUSPENDED, E.EXPIRE: S.EXPIRED, E.RETIRE: S.RETIRED, E.REMOVE: S.RETIRED,
    },
    S.EXPIRED: {E.RENEW: S.SUBMITTED, E.RETIRE: S.RETIRED, E.REMOVE: S.RETIRED},
    S.RETIRED: {},
    S.PENDING: {E.REGISTER: S.REGISTERED, E.REJECT_REGISTRATION: S.REGISTRATION_REJECTED},
    S.REGISTERED: {},
    S.REGISTRATION_REJECTED: {E.REQUEUE_REGISTRATION: S.PENDING},
    S.RECORDED: {},
}  # fmt: skip
FINALS = {S.RETIRED, S.REGISTERED, S.RECORDED}


def test_the_table_lists_every_status() -> None:
    assert set(EXPECTED) == set(S)


@pytest.mark.parametrize(("status", "event"), list(itertools.product(S, E)))
def test_each_pair_does_what_the_hand_table_says(status: RosterStatus, event: RosterEvent) -> None:
    assert_pair_as_table(MACHINE, EXPECTED, status, event)


def test_finals_are_those_with_nothing_allowed() -> None:
    assert {s for s in S if MACHINE.is_final(s)} == FINALS
    assert {s for s in S if not EXPECTED[s]} == FINALS
    assert not any(MACHINE.is_paused(s) for s in S)


def test_every_status_is_reachable_from_new_and_every_open_one_can_reach_a_final() -> None:
    seen, todo = {S.NEW}, deque([S.NEW])
    while todo:
        for target in EXPECTED[todo.popleft()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(S)
    for status in set(S) - FINALS:
        reach, todo = {status}, deque([status])
        while todo:
            for target in EXPECTED[todo.popleft()].values():
                if target not in reach:
                    reach.add(target)
                    todo.append(target)
        assert reach & FINALS, status


def test_the_initial_status_is_never_at_rest_each_entity_opens_with_its_own_event() -> None:
    assert MACHINE.initial == S.NEW
    for entity, event in OPENING_EVENT.items():
        assert MACHINE.advance(S.NEW, event) in STATUSES_OF[entity]


def test_entities_are_kept_apart() -> None:
    """Each status but NEW belongs to one lifecycle (organisations and mediators share the entry one), and no event
    leads out of it — "register" only from PENDING, "certify" only from SUBMITTED."""
    entry = STATUSES_OF[RosterEntity.ORGANISATION]
    assert STATUSES_OF[RosterEntity.MEDIATOR] == entry
    lifecycles = [entry, STATUSES_OF[RosterEntity.REGISTRATION], STATUSES_OF[RosterEntity.STATISTICS]]
    assert sorted(itertools.chain.from_iterable(lifecycles)) == sorted(set(S) - {S.NEW})
    for lifecycle in lifecycles:
        for status in lifecycle:
            assert {MACHINE.advance(status, e) for e in MACHINE.allowed(status)} <= lifecycle
    assert [s for s in S if "register" in MACHINE.allowed(s)] == [S.PENDING]
    assert [s for s in S if "certify" in MACHINE.allowed(s)] == [S.SUBMITTED]
