"""A bulk insert's UTC times (adapter/persistence/bulk.py) are converted once per instant, each to exactly what the
column's own processor makes of it: over times repeated, equal in other offsets, in a zone's repeated hour (equal
wall times, two instants), and naive (refused as before); on SQLite's and PostgreSQL's dialects."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from adapter.persistence.bulk import _processor
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import CaseRow

AT = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
REPEATED = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)  # 01:30 happens twice that night: fold 0, then fold 1
TIMES = [
    AT,
    AT,  # the same object again
    datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC),  # an equal one
    AT.astimezone(timezone(timedelta(hours=8))),  # the same instant in +08:00
    AT.astimezone(NEW_YORK),
    AT + timedelta(microseconds=1),
    REPEATED,
    REPEATED.replace(fold=1),  # equal to the one before (same zone, same wall time), an hour later
    REPEATED.replace(fold=1).astimezone(UTC),
    REPEATED.astimezone(UTC),
    None,
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _own(dialect: Dialect, column: Any) -> Any:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgres"])
def test_each_time_is_what_its_columns_own_processor_makes_of_it(dialect: Dialect) -> None:
    columns = [CaseRow.__table__.c.created_at, CaseRow.__table__.c.updated_at, CentreEventRow.__table__.c.at]  # type: ignore[attr-defined]
    shared = {id(_processor(dialect, column)) for column in columns}
    assert len(shared) == 1, "one for every UTC time column of the dialect"
    for column in columns:
        memo, own = _processor(dialect, column), _own(dialect, column)
        if own is None:  # the driver takes the time as it is: nothing to convert
            assert memo is None
            continue
        for _ in range(2):  # the second round from what was remembered
            assert [memo(value) for value in TIMES] == [own(value) for value in TIMES]
        for naive in (datetime(2026, 12, 1), datetime(2026, 12, 1)):
            with pytest.raises(ValueError, match="timezone"):
                memo(naive)
    assert REPEATED.replace(fold=1) == REPEATED and REPEATED.utcoffset() != REPEATED.replace(fold=1).utcoffset()
