"""Reconciliation leaves out a record the partner cannot know by our id yet (#19): the traffic platform learns our
record id from our first answer, so an offer not answered yet (nothing of ours delivered about it) is no
difference — it was reported with "theirs" empty. Once our answer is delivered the record is compared, and a record
the platform then loses is still reported. The sandbox platform, pulled and pushed, SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.config.settings import Settings
from tests.support.traffic_world import NAME, Make, traffic_world

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["pull", "push"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(tmp_path: Path, settings: Settings, mode: str) -> Iterator[Make]:
    yield from traffic_world(tmp_path, settings, mode)


def test_offers_not_answered_yet_are_no_difference_and_answered_ones_are_compared(world: Make) -> None:
    w = world()
    offered, answered = w.offer(), w.offer()
    assert w.core.status([offered, answered]) == {offered: None, answered: None}  # it cannot know our ids yet
    first = w.partners.reconcile(NAME)[NAME]
    assert (first.differences, first.checked) == ([], 0)
    assert first.unlinked == 2
    w.act(answered, "accept")  # our answer delivered: the platform now knows `answered` by our id
    assert w.theirs(answered) != "" and w.core.status([offered])[offered] is None
    second = w.partners.reconcile(NAME)[NAME]
    assert (second.differences, second.checked, second.unlinked) == ([], 1, 1)
    assert w.core.forget_last(answered) is not None  # the platform loses our answer: still a difference
    lost = w.partners.reconcile(NAME)[NAME]
    assert [d.record_id for d in lost.differences] == [answered] and lost.unlinked == 1
