"""PostgreSQL's planner statistics for the tables intake looks rows up in, taken once they hold rows.

A page's look-ups (adapter/inbox/page.py `_known`: the inbox by `platform = … AND message_id = ANY(…)`, the cases
by `platform = … AND platform_case_id = ANY(…)`) find their rows through the unique (platform, …) indexes — when the
planner knows that `platform` selects nearly every row. On tables never analysed it does not: it takes `platform`
to match a handful of rows, scans the index by `platform` alone and filters every row of the platform by the second
column — a read of the whole table per page, quadratic over a catch-up. No index and no query shape escapes that
guess (an IN list, `= ANY(array)`, a join with `unnest(ids)`: each was planned as that scan; a unique index's
one-row estimate is not applied to `= ANY`), so the statistics are taken: ANALYZE, which autovacuum would run only
a minute or more later, once the tables hold rows (an empty table's statistics tell the planner nothing).
On a catch-up of 6,000 dispatches the server then spent half the CPU per item. A few milliseconds on a new
database's first page; asked by a catalogue read, until answered, once per engine.
"""

import logging
import weakref

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("docking.ingest")

# Tables intake looks up by (platform, key), per the unique indexes above.
LOOKED_UP = ("inbox", "cases")
_UNKNOWN = text(
    "SELECT t.name FROM unnest(CAST(:tables AS text[])) AS t(name) WHERE NOT EXISTS "
    "(SELECT FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = t.name AND s.attname = 'platform')"
)
_TRIES = 3  # ANALYZE runs per engine before giving up: a role that may not analyse a table is told so every time
_TRIED: "weakref.WeakKeyDictionary[Engine, int]" = weakref.WeakKeyDictionary()


def after_writing(engine: Engine) -> None:
    """Once rows have been committed to the looked-up tables: ANALYZE those of them the planner has no statistics
    for yet (PostgreSQL; nothing elsewhere: SQLite plans these look-ups by its indexes alone). Once each has them
    (autovacuum keeps them up to date after), or after a few tries, nothing more is asked on this engine. A table
    this role may not analyse is skipped by PostgreSQL with a warning, not an error; an empty one gets none."""
    tried = _TRIED.get(engine, 0)
    if tried >= _TRIES or engine.dialect.name != "postgresql":
        return
    try:
        with engine.begin() as connection:
            unknown = _unknown(connection)
            if unknown:
                for table in unknown:
                    connection.execute(text(f"ANALYZE {connection.dialect.identifier_preparer.quote(table)}"))
                unknown = _unknown(connection)
    except SQLAlchemyError as exc:  # a lock or statement timeout, a lost connection: the page has committed, and
        # statistics only speed up what comes next — a poll must not fail for them; counted as a try
        log.warning("planner statistics for %s not taken (%s); tried again after a later page (%d of %d tries)",
                    ", ".join(LOOKED_UP), type(exc).__name__, tried + 1, _TRIES)  # fmt: skip
        _TRIED[engine] = tried + 1
        return
    # None left without: done. Otherwise (an empty table, a refusal) try again after a later page, a few times.
    _TRIED[engine] = _TRIES if not unknown else tried + 1


def _unknown(connection: Connection) -> list[str]:
    return list(connection.execute(_UNKNOWN, {"tables": list(LOOKED_UP)}).scalars())
