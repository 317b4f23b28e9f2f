"""Many rows into one table as one executemany at the driver, each value converted once by its column's own type:
what `connection.execute(insert(table), rows)` stores, without SQLAlchemy's per-row parameter handling — which
cost a feed page more than the database's own insert did (bench/intake.py --profile: 60,000 rows, ~15 µs each).

Every value goes through its column's bind processor, the very function SQLAlchemy's insert would call: a sealed
column seals there (adapter/persistence/sealed_types.py), SQLite's date-times become its text there. So the stored
values are the same, and no row written this way skips sealing. A column the rows leave out is left to the database
(an autoincrement key, a server default), as SQLAlchemy leaves it; one whose default is computed on our side must
be given (ValueError otherwise) rather than stored without it.
"""

import weakref
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect

Processor = Callable[[Any], Any]
_Plan = tuple[str, Callable[[dict[str, Any]], Any], list[tuple[int, Processor]], int]
# Per dialect (one per engine: a sealed column's processor holds the engine's vault), per table and column list.
_PLANS: "weakref.WeakKeyDictionary[Dialect, dict[tuple[Table, tuple[str, ...]], _Plan]]" = weakref.WeakKeyDictionary()


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (column name → value, every row the first row's columns) into `table`, in order, in the
    connection's transaction; nothing for no rows. Raises the driver's errors as SQLAlchemy raises them."""
    if not rows:
        return
    sql, values_of, processed, width = _plan(connection.dialect, table, tuple(rows[0]))
    if width == 1:
        params = [(values_of(row),) for row in rows]
    elif not processed:
        params = [values_of(row) for row in rows]
    else:
        params = []
        for row in rows:
            values = list(values_of(row))
            for index, process in processed:
                values[index] = process(values[index])
            params.append(tuple(values))
    connection.exec_driver_sql(sql, params)


def _plan(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plan:
    plans = _PLANS.setdefault(dialect, {})
    plan = plans.get((table, names))
    if plan is None:
        plan = plans[(table, names)] = _make_plan(dialect, table, names)
    return plan


def _make_plan(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plan:
    columns = [table.c[name] for name in names]  # KeyError: not a column of the table
    ours = [c.name for c in table.c if c.name not in names and (c.default is not None or c.onupdate is not None)]
    if ours:
        raise ValueError(f"rows for {table.name} leave out {', '.join(ours)}, whose default is computed on our side")
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"  # SQLite's; psycopg's positional form
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(mark for _ in names)})"
    )
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    processed: list[tuple[int, Processor]] = [(i, p) for i, p in enumerate(processors) if p is not None]
    values_of: Callable[[dict[str, Any]], Any] = itemgetter(*names)
    return sql, values_of, processed, len(names)
