"""On PostgreSQL, intake takes the planner's statistics of the tables a page looks rows up in once they hold rows
(adapter/persistence/statistics.py), so the look-ups use both columns of the unique indexes from the next page on."""

from typing import Any

import pytest
from sqlalchemy import event, text

from adapter.inbox.polling import poll
from adapter.persistence import statistics
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
