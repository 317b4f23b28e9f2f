"""Classifying a difference between our view of a case and the platform's, and choosing its repair (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from adapter.reconcile.classify import Action, Held, Kind, classify
from schemas.enums import CourtStatus as C

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def held(*statuses: C | None, dead: int | None = None) -> list[Held]:
    """Delivered messages M1, M2, … moving the court to `statuses`, an hour apart; `dead` marks one (1-based) dead."""
    return [Held(f"M{n}", s, T0 + timedelta(hours=n), dead=n == dead) for n, s in enumerate(statuses, 1)]


MEDIATED = held(C.ACCEPTED, C.MEDIATING, C.MEDIATING, C.SETTLED)  # accept, assign, session, agreement


def test_the_same_status_on_both_sides_is_no_difference() -> None:
    """A case the platform shows as we expect is in step."""
    assert classify(C.SETTLED, C.SETTLED, MEDIATED, dispatched_by_court=True) is None


def test_a_case_the_platform_lost_is_resent_in_full_and_in_order() -> None:
    """Unknown at the platform: every delivered message goes again, oldest first."""
    verdict = classify(C.SETTLED, None, MEDIATED, dispatched_by_court=True)
    assert verdict is not None
    assert (verdict.kind, verdict.action, verdict.messages) == (
        Kind.MISSING_AT_PLATFORM,
        Action.RESEND,
        ("M1", "M2", "M3", "M4"),
    )


def test_a_lost_case_with_nothing_to_resend_is_only_reported() -> None:
    """A dispatched case we never answered cannot be rebuilt at the court by us."""
    verdict = classify(C.PENDING, None, [], dispatched_by_court=True)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.MISSING_AT_PLATFORM, Action.REPORT)


@pytest.mark.parametrize(
    ("theirs", "redeliver"),
    [
        (C.PENDING, ("M1", "M2", "M3", "M4")),  # where the dispatch left it: everything we sent
        (C.ACCEPTED, ("M2", "M3", "M4")),
        (C.MEDIATING, ("M3", "M4")),  # the earliest point it matches: a message it still holds is a duplicate
    ],
)
def test_a_platform_behind_gets_the_messages_after_where_it_stands(theirs: C, redeliver: tuple[str, ...]) -> None:
    """The platform shows a status one of our delivered messages left it in: the later messages go again."""
    verdict = classify(C.SETTLED, theirs, MEDIATED, dispatched_by_court=True)
    assert verdict is not None
    assert (verdict.kind, verdict.action, verdict.messages) == (Kind.BEHIND, Action.REDELIVER, redeliver)


def test_a_self_received_case_was_never_pending_at_the_court() -> None:
    """A flow-C case reaches the court with its JC application: "pending" there is not explained by our messages."""
    verdict = classify(C.JC_PENDING, C.PENDING, held(C.JC_PENDING), dispatched_by_court=False)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.STATE_MISMATCH, Action.REPORT)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(C.JC_PENDING, C.JC_CONFIRMED), (C.JC_PENDING, C.JC_REJECTED), (C.SETTLED, C.MEDIATION_DOC_ISSUED)],
)
def test_a_court_decision_we_have_not_ingested_is_fetched(ours: C, theirs: C) -> None:
    """The platform shows a ruling the case is waiting for: fetch what it published and ingest it."""
    verdict = classify(ours, theirs, MEDIATED, dispatched_by_court=True)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.AHEAD, Action.FETCH)


def test_a_status_no_message_explains_is_reported() -> None:
    """Declined at the court while we mediate: nothing either side holds explains it; a person decides."""
    verdict = classify(C.MEDIATING, C.DECLINED, held(C.ACCEPTED, C.MEDIATING), dispatched_by_court=True)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.STATE_MISMATCH, Action.REPORT)


def test_a_dead_message_is_reported_with_the_replay_command() -> None:
    """A rejected message holds the case back: replaying it is an operator's decision, not reconciliation's."""
    verdict = classify(C.MEDIATING, C.ACCEPTED, held(C.ACCEPTED, C.MEDIATING, dead=2), dispatched_by_court=True)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.STATE_MISMATCH, Action.REPORT)
    assert "M2" in verdict.detail and "docking outbox replay" in verdict.detail


def test_a_repair_that_did_not_hold_is_not_repeated() -> None:
    """Behind again after an earlier run re-delivered the same messages: reported, so runs never loop."""
    after_all = T0 + timedelta(days=1)
    verdict = classify(C.SETTLED, C.MEDIATING, MEDIATED, dispatched_by_court=True, repaired_at=after_all)
    assert verdict is not None and (verdict.kind, verdict.action) == (Kind.STATE_MISMATCH, Action.REPORT)
    assert "already re-delivered" in verdict.detail


def test_a_message_newer_than_the_last_repair_is_redelivered() -> None:
    """A repair long ago does not stop the repair of messages sent since."""
    before_last = T0 + timedelta(hours=3, minutes=30)
    verdict = classify(C.SETTLED, C.MEDIATING, MEDIATED, dispatched_by_court=True, repaired_at=before_last)
    assert verdict is not None and verdict.action is Action.REDELIVER
