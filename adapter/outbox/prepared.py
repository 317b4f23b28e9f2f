"""A Core statement executed many times at once at the driver: compiled once per dialect, each value converted by
its bind's own type — what `connection.execute(statement, rows)` sends, without SQLAlchemy's handling of every
parameter set, which cost the record's UPDATE more than the database's own work (#21, bench/delivery.py: ~16 µs a
message of the worker's thread, the driver's executemany ~5).

Every value goes through its bind's processor, the function SQLAlchemy's execute calls: a sealed column seals
there (adapter/persistence/sealed_types.py), SQLite's date-times become its text there; a bind given a value in
the statement (a literal, a None) is converted once, as the statement's. adapter/persistence/bulk.py does the same
for INSERTs.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase

from adapter.persistence.bulk import raise_as_sqlalchemy

Processor = Callable[[Any], Any]
# The statement's text; per parameter (in the driver's order, by name for a named paramstyle): its name, its
# processor, and whether the rows give it (False: the statement's own value, already converted).
_Plan = tuple[str, bool, list[tuple[str, Processor | None, bool]], dict[str, Any]]
_PLANS = "_docking_prepared_plans"  # the dialect's attribute holding its plans, per Prepared


class Prepared:
    """`statement` (an INSERT/UPDATE/DELETE without expanding binds) run by `executemany(connection, rows)`."""

    def __init__(self, statement: UpdateBase) -> None:
        self._statement = statement

    def executemany(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
        """Execute the statement once per row (bind name → value; every bind the statement leaves open), in the
        connection's transaction; returns the driver's rowcount (the rows changed, where the driver counts them
        across an executemany: dialect.supports_sane_multi_rowcount). KeyError naming a bind a row lacks."""
        if not rows:
            return 0
        sql, params = self._params(connection.dialect, rows)
        return connection.exec_driver_sql(sql, params).rowcount

    def each_returns(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[bool]:
        """On psycopg, for a statement with RETURNING: execute it once per row, in order, as one pipelined
        executemany; returns per row whether it returned anything (an UPDATE: whether it changed a row). The
        driver's errors are raised as SQLAlchemy raises them (adapter/persistence/bulk.py raise_as_sqlalchemy)."""
        if not rows:
            return []
        sql, params = self._params(connection.dialect, rows)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, params, returning=True)
            returned = [cursor.fetchone() is not None]
            while cursor.nextset():
                returned.append(cursor.fetchone() is not None)
        except BaseException as exc:
            raise_as_sqlalchemy(connection, exc, sql, params, cursor)
        cursor.close()
        return returned

    def _params(self, dialect: Dialect, rows: Sequence[dict[str, Any]]) -> tuple[str, list[Any]]:
        sql, positional, binds, fixed = self._plan(dialect)
        params: list[Any] = []
        names = [name for name, _, _ in binds]
        for row in rows:
            # Positional: a value per place in the SQL (a bind used twice has two); named: one per name.
            values = [
                (process(row[name]) if process is not None else row[name]) if given else fixed[name]
                for name, process, given in binds
            ]
            params.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
        return sql, params

    def _plan(self, dialect: Dialect) -> _Plan:
        # Kept on the dialect (one per engine), so a plan goes with its engine: its processors refer to the
        # dialect, and a weak map keyed by the dialect would keep every engine (and its data keys) alive.
        plans: dict[Prepared, _Plan] | None = dialect.__dict__.get(_PLANS)
        if plans is None:
            plans = dialect.__dict__[_PLANS] = {}
        plan = plans.get(self)
        if plan is None:
            plan = plans[self] = _make_plan(self._statement, dialect)
        return plan


def _make_plan(statement: UpdateBase, dialect: Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    # The names the SQL carries, once each (compiled.binds also keys some binds by an anonymous form)
    named = dict.fromkeys(compiled.bind_names.values())
    names = list(compiled.positiontup or ()) if compiled.positional else list(named)
    binds: list[tuple[str, Processor | None, bool]] = []
    fixed: dict[str, Any] = {}
    for name in names:
        bind = compiled.binds[name]
        if bind.expanding:
            raise ValueError(f"bind {name!r} expands (IN): its SQL depends on each execution's values")
        process: Processor | None = bind.type.dialect_impl(dialect).bind_processor(dialect)
        given = bind.value is None and bind.callable is None and bind.required
        if not given:
            value = bind.effective_value
            fixed[name] = process(value) if process is not None else value
        binds.append((name, process, given))
    return compiled.string, bool(compiled.positional), binds, fixed
