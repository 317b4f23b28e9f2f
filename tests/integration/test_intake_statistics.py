"""A page's look-ups find what earlier pages applied, on both databases; on PostgreSQL, intake takes the planner's
statistics of the tables a page looks rows up in once they hold rows (adapter/persistence/statistics.py), so the
look-ups use both columns of the unique indexes from the next page on."""

import json
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from adapter.inbox.item_outcome import Ingested
from adapter.inbox.polling import poll, rewind
from adapter.persistence import statistics
from adapter.persistence.tables import QuarantineRow
from connectors.port import Feed
from scheduler import Runtime
from tests.support.court import PLATFORM, Court

pytestmark = pytest.mark.integration

_PLATFORM_STATS = "SELECT tablename FROM pg_stats WHERE tablename IN ('inbox', 'cases') AND attname = 'platform'"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _statements(runtime: Runtime) -> list[str]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(runtime.uow.engine, "before_cursor_execute", note)
    return seen


def test_the_looked_up_tables_are_analysed_once_they_hold_rows_and_then_never_asked_about_again(
    runtime: Runtime, court: Court, backend: str
) -> None:
    link = runtime.platforms[PLATFORM]
    seen = _statements(runtime)
    empty = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)  # nothing written: nothing asked
    assert empty.caught_up and not any("pg_stats" in s or "ANALYZE" in s for s in seen)
    court.core.dispatch(3, "01")
    poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=2)  # the first page's 2 dispatches: analysed
    court.core.dispatch(2, "01")
    poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=2)  # then nothing more is asked
    asked = [s for s in seen if "pg_stats" in s or "ANALYZE" in s]
    if backend == "sqlite":
        assert asked == []
        return
    assert len([s for s in asked if "pg_stats" in s]) == 2  # which have none, and then that none is left
    assert sorted(s for s in asked if s.startswith("ANALYZE")) == ["ANALYZE cases", "ANALYZE inbox"]
    with runtime.uow.engine.connect() as connection:
        assert sorted(connection.execute(text(_PLATFORM_STATS)).scalars()) == ["cases", "inbox"]


def test_an_empty_table_is_analysed_again_after_a_later_page_a_few_times_at_most(
    runtime: Runtime, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("nothing is asked of SQLite")
    seen = _statements(runtime)
    for _ in range(statistics._TRIES + 2):  # the tables stay empty: the planner has no statistics of them
        statistics.after_writing(runtime.uow.engine)
    assert len([s for s in seen if "pg_stats" in s]) == 2 * statistics._TRIES  # before and after each ANALYZE


def test_statistics_that_cannot_be_taken_do_not_fail_the_poll(
    runtime: Runtime, court: Court, backend: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The page has committed when statistics are asked for; a lock or statement timeout then is a warning and a
    try counted, not a failed poll."""
    if backend == "sqlite":
        pytest.skip("nothing is asked of SQLite")

    def timed_out(_connection: Any) -> list[str]:
        raise OperationalError("SELECT … pg_stats", {}, Exception("canceling statement due to statement timeout"))

    monkeypatch.setattr(statistics, "_unknown", timed_out)
    court.core.dispatch(2, "01")
    polled = poll(runtime.uow, runtime.platforms[PLATFORM], Feed.DISPATCHES, runtime.clock)
    assert polled.counts[Ingested.APPLIED] == 2 and polled.caught_up
    assert statistics._TRIED[runtime.uow.engine] == 1
    assert "planner statistics for inbox, cases not taken (OperationalError)" in caplog.text


def test_the_look_ups_find_what_earlier_pages_applied(runtime: Runtime, court: Court) -> None:
    """On both databases (the ids one JSON array on SQLite, one array on PostgreSQL): a page read again is all
    duplicates, and a new message dispatching a case already held is kept as `case_exists` — each found by a page's
    look-ups."""
    link = runtime.platforms[PLATFORM]
    court.core.dispatch(5, "01")
    first = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=3)
    assert first.counts[Ingested.APPLIED] == 5
    doc = json.loads(court.core._feeds["dispatches"][0].body)  # the first case again, in a message of its own
    doc["xxbh"] = f"{doc['xxbh']}-again"
    raw = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", raw, court.core.sign_item(raw, str(doc["xxbh"])))
    assert rewind(runtime.uow, PLATFORM, Feed.DISPATCHES)
    again = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=3)
    assert (again.counts[Ingested.DUPLICATE], again.counts[Ingested.QUARANTINED]) == (5, 1), again.counts
    with runtime.uow.begin() as session:
        (kept,) = session.exec(select(QuarantineRow)).all()
        assert kept.reason == "case_exists" and kept.message_id == doc["xxbh"]
