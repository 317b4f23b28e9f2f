"""`unindexed(column)`: the column, but never an index's key on SQLite — for a filter that must not choose the plan.

Why (#21, the deep-backlog benchmark): SQLite's planner, with no ANALYZE statistics, takes an equality on an
indexed column to match about ten rows. So `id IN (…10 or more ids…) AND status = 'pending'` on the outbox was
planned as a walk of ix_outbox_due over every pending row (then a sort by id) instead of one primary-key lookup per
id: 8 ms per statement at 100k pending rows, growing with the backlog, where the lookups take 0.02 ms. The unary +
is SQLite's documented way to take a term out of index selection (sqlite.org/optoverview.html, "Disqualifying WHERE
Clause Terms using unary-+"); it changes no value (+x is x, for text, numbers, blobs and NULL; the compared values
here are text either way). Other databases get the column as it is: PostgreSQL plans from its statistics.
"""

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement[Any]):  # lower case: an SQL expression, named as SQLAlchemy names its functions
    """`column` as an expression SQLite does not look up through an index; compared like the column itself."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type  # binds compared with it are processed as the column's


@compiles(unindexed)
def _as_is(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _plus(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)
