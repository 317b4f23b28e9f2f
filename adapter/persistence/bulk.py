"""Many rows into one table as one executemany at the driver, each value converted once by its column's own type:
what `connection.execute(insert(table), rows)` stores, without SQLAlchemy's per-row parameter handling — which
cost a feed page more than the database's own insert did (bench/intake.py --profile: 60,000 rows, ~15 µs each).

Every value goes through its column's bind processor, the very function SQLAlchemy's insert would call: a sealed
column seals there (adapter/persistence/sealed_types.py), SQLite's date-times become its text there. So the stored
values are the same, and no row written this way skips sealing. A column the rows leave out is left to the database
(an autoincrement key, a server default), as SQLAlchemy leaves it; one whose default is computed on our side must
be given (ValueError otherwise) rather than stored without it.

On PostgreSQL (psycopg) a batch of rows goes in as one COPY … FROM STDIN rather than an executemany: the same values,
adapted by the same psycopg dumpers, stored as an INSERT's parameters are — for about half the client's CPU and two
thirds of the server's (a feed page's six tables, measured for #21: 55 → 30 µs and 75 → 50 µs an item). The
server's refusals are the same errors (a value too long is DataError), raised as SQLAlchemy raises the
executemany's (`raise_as_sqlalchemy`), and nothing of a refused COPY is stored. A few rows (a delivery's audit
entry) still go as an executemany: a COPY costs one more round trip, which only a batch pays back.
"""

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, NoReturn

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlmodel.sql.sqltypes import UTCDateTime

Processor = Callable[[Any], Any]


class _Plan(NamedTuple):
    sql: str  # the INSERT, for an executemany
    copy: str | None  # the COPY, for a batch on PostgreSQL through psycopg (module doc)
    values_of: Callable[[dict[str, Any]], Any]
    processed: list[tuple[int, Processor]]
    width: int


_COPY_FROM = 8  # rows: fewer go as an executemany (module doc)


# Per dialect (one per engine: a sealed column's processor reads the engine's vault off it), per table and column
# list — kept on the dialect itself, so they go with it: a plan's processors refer to their dialect, and a weak map
# keyed by the dialect would keep every engine a process ever made alive (and its data keys) through them.
_PLANS = "_docking_bulk_plans"


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (column name → value, every row the first row's columns) into `table`, in order, in the
    connection's transaction; nothing for no rows. Raises the driver's errors as SQLAlchemy raises them."""
    if not rows:
        return
    sql, copy, values_of, processed, width = _plan(connection.dialect, table, tuple(rows[0]))
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
    if copy is not None and len(params) >= _COPY_FROM:
        _copy(connection, copy, params)
    else:
        connection.exec_driver_sql(sql, params)


def _copy(connection: Connection, sql: str, params: list[Any]) -> None:
    """COPY `params` in with the connection's psycopg connection, in its transaction."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            for values in params:
                copy.write_row(values)
    except BaseException as exc:
        raise_as_sqlalchemy(connection, exc, sql, params, cursor)
    cursor.close()


def raise_as_sqlalchemy(
    connection: Connection, exc: BaseException, sql: str, params: list[Any], cursor: Any
) -> NoReturn:
    """Raise `exc` as SQLAlchemy raises an executemany's: a driver error as its SQLAlchemy twin (DataError …) after
    the engine's `handle_error` listeners, the connection invalidated when it was lost or the copy interrupted
    (KeyboardInterrupt); any other exception (a value psycopg cannot encode) as it is."""
    if isinstance(exc, Exception) and not isinstance(exc, connection.dialect.loaded_dbapi.Error):
        cursor.close()
        raise exc
    connection._handle_dbapi_exception(exc, sql, params, cursor, None)  # what Connection.exec_driver_sql calls


def _plan(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plan:
    plans: dict[tuple[Table, tuple[str, ...]], _Plan] | None = dialect.__dict__.get(_PLANS)
    if plans is None:
        plans = dialect.__dict__[_PLANS] = {}
    plan = plans.get((table, names))
    if plan is None:
        plan = plans[(table, names)] = _make_plan(dialect, table, names)
    return plan


def _make_plan(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Plan:
    columns = [table.c[name] for name in names]  # by key, as rows name them (KeyError: not a column of the table)
    ours = [c.key for c in table.c if c.key not in names and (c.default is not None or c.onupdate is not None)]
    if ours:
        raise ValueError(f"rows for {table.name} leave out {', '.join(ours)}, whose default is computed on our side")
    quote = dialect.identifier_preparer.quote
    into = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c.name) for c in columns)})"
    mark = "?" if dialect.paramstyle == "qmark" else "%s"  # SQLite's; psycopg's positional form
    sql = f"INSERT INTO {into} VALUES ({', '.join(mark for _ in names)})"
    copy = f"COPY {into} FROM STDIN" if dialect.name == "postgresql" and dialect.driver == "psycopg" else None
    processors = [_processor(dialect, column) for column in columns]
    processed: list[tuple[int, Processor]] = [(i, p) for i, p in enumerate(processors) if p is not None]
    values_of: Callable[[dict[str, Any]], Any] = itemgetter(*names)
    return _Plan(sql, copy, values_of, processed, len(names))


def _processor(dialect: Dialect, column: Any) -> Processor | None:
    """The column's bind processor; for a UTC time, one shared by all of them on the dialect, which remembers what
    it made of the instants it saw last: a page's rows give one instant to a dozen columns (the case's, its
    history's, the inbox's, the event's; the audit entries', all of a commit's), and formatting it cost more than
    its INSERT (bench/intake.py --profile)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None or type(column.type) is not UTCDateTime:
        return process
    memo: Processor | None = dialect.__dict__.get(_UTC_MEMO)
    if memo is None:
        memo = dialect.__dict__[_UTC_MEMO] = _memo(process)
    return memo


def _memo(process: Processor) -> Processor:
    """`process` remembering its results by instant. UTCDateTime's processor depends on the instant alone (it takes
    the time to UTC first; naive times it refuses), and takes no arguments, so every such column's is one function.
    Remembered by the time and its offset: two equal aware times with one offset are one instant — equal alone is
    not enough (one wall time in a zone's repeated hour is equal whichever of its two instants, `fold`)."""
    seen: dict[tuple[Any, Any], Any] = {}

    def memo(value: Any) -> Any:
        if value is None:
            return None
        key = (value, value.utcoffset())  # a naive time's offset is None: `process` refuses it, as before
        done = seen.get(key, _MISSING)
        if done is _MISSING:
            if len(seen) >= _MEMO_SIZE:
                seen.clear()
            done = seen[key] = process(value)
        return done

    return memo


_MISSING = object()
_MEMO_SIZE = 1024  # a page's instants: one an item and one a commit
_UTC_MEMO = "_docking_utc_memo"  # on the dialect, as _PLANS (the processor refers to its dialect)
