"""A partner's feed restarted behind our cursor (#19), as the courts' feed_stall_polls: after `feed_stall_polls`
polls that read nothing, the feed's start is compared with what we received; unseen messages there → a WARNING,
the feed held `behind` (docking status lists it) with its feed_held alert, the cursor back to the start; the next
poll reads what was hidden and clears both. A quiet feed is only quiet. The sandbox traffic platform, pulled, on
SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.alerts.conditions import open_subjects
from adapter.alerts.kinds import AlertKind
from adapter.config.partners import PartnerSettings
from adapter.config.settings import Settings
from adapter.inbox.paged_feed import cursor_value
from adapter.partners.feed_watch import PartnerFeedWatch
from adapter.persistence import partner_store as store
from adapter.status import collect, needs_attention
from tests.support.traffic_world import NAME, Make, TrafficWorld, traffic_world

pytestmark = pytest.mark.integration
POLLS = 3


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(tmp_path: Path, settings: Settings) -> Iterator[Make]:
    yield from traffic_world(tmp_path, settings, "pull")


def stalled(w: TrafficWorld) -> TrafficWorld:
    watch = w.partners.watch
    assert watch is not None and watch.stall_polls[NAME] == PartnerSettings.model_fields["feed_stall_polls"].default
    watch.stall_polls[NAME] = POLLS  # [partners.gd-traffic] feed_stall_polls = 3
    return w


def alerted(w: TrafficWorld) -> bool:
    with w.runtime.uow.begin() as session:
        return f"{NAME}/partners" in open_subjects(session.connection(), AlertKind.FEED_HELD)


def attention(w: TrafficWorld) -> list[str]:
    return [line for line in needs_attention(collect(w.runtime.uow, w.runtime.settings, w.clock)) if NAME in line]


def test_a_feed_restarted_behind_our_cursor_is_noticed_reread_and_cleared(
    world: Make, caplog: pytest.LogCaptureFixture
) -> None:
    w = stalled(world())
    w.offer(), w.offer()
    assert int(cursor_value(w.runtime.uow, NAME, "partners")) >= 2
    w.core.restart_feed()
    (hidden,) = w.core.offer()  # at position 1 of the restarted feed: behind our cursor
    polls = 0
    while not alerted(w) and polls < POLLS + 1:
        assert attention(w) == []  # not yet: a feed may be quiet
        assert sum(w.partners.poll(NAME).values()) == 0
        polls += 1
    assert polls <= POLLS  # checked at the POLLS-th poll that read nothing (counted since the last read)
    assert alerted(w) and cursor_value(w.runtime.uow, NAME, "partners") == ""
    assert any("(behind)" in line for line in attention(w)), attention(w)
    assert [r.getMessage() for r in caplog.records if "restarted behind our cursor" in r.getMessage()]
    w.partners.poll(NAME)  # reads the restarted feed from its start
    with w.runtime.uow.begin() as session:
        assert store.find_by_ref(session, NAME, hidden, lock=False) is not None
    assert not alerted(w) and attention(w) == []


def test_a_quiet_feed_is_only_quiet(world: Make) -> None:
    w = stalled(world())
    w.offer()
    before = cursor_value(w.runtime.uow, NAME, "partners")
    for _ in range(POLLS * 2):
        w.partners.poll(NAME)
    assert not alerted(w) and attention(w) == [] and cursor_value(w.runtime.uow, NAME, "partners") == before


def test_a_hold_left_by_another_process_clears_when_the_feed_moves(world: Make) -> None:
    """The hold is persisted (feed_states, the feed_held alert) but the watch is per process: a new process (a
    restart, or another poll-lock holder) that finds the feed moving clears a `behind` hold it did not set."""
    w = stalled(world())
    w.offer(), w.offer()
    w.core.restart_feed()
    (hidden,) = w.core.offer()
    for _ in range(POLLS):
        if not alerted(w):
            w.partners.poll(NAME)
    assert alerted(w) and cursor_value(w.runtime.uow, NAME, "partners") == ""
    watch = w.partners.watch
    assert watch is not None
    w.partners.watch = PartnerFeedWatch(watch.uow, watch.clock, dict(watch.stall_polls))  # the process restarted
    assert sum(w.partners.poll(NAME).values()) > 0  # reads the restarted feed from its start: it moved
    with w.runtime.uow.begin() as session:
        assert store.find_by_ref(session, NAME, hidden, lock=False) is not None
    assert not alerted(w) and attention(w) == []
