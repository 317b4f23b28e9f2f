"""Key rotation for sealed personal data: rewrite every stored value not sealed with the active data key.

Run after adding a new key and making it `active` (old keys stay configured until this reports nothing left);
also seals, in place, data written before encryption was configured. Batches of rows, each its own short
transaction, so `docking run` can keep working meanwhile; a row is rewritten only if it still holds the value
read (the columns are written once, so in practice it always does). A row that does not open with the
configured keys (its key was removed too early) is left as it is, reported once and counted as unreadable.

Which columns hold sealed data is read from the column types (adapter/persistence/sealed_types.py), never from a
list kept here: a sealed column added to adapter/persistence/tables.py is rotated with no further step.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, func, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from adapter.persistence import (  # noqa: F401  (register every table in SQLModel.metadata: a sealed column found)
    api_tables,
    complaint_tables,
    event_tables,
    partner_tables,
    tables,
)
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import SealedBytes, SealedJson, engine_vault
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import Vault, VaultError, open_blob, open_json


def sealed_columns() -> list[tuple[Table, str, tuple[str, ...]]]:
    """(table, key column, sealed columns) for every table with a column of a sealed type: every place personal
    data is stored. Keyset paging needs a one-column primary key, which each such table has."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = tuple(c.name for c in table.columns if isinstance(c.type, SealedJson | SealedBytes))
        if columns:
            (key,) = table.primary_key.columns
            found.append((table, key.name, columns))
    return found


def _stored(column: Column[Any]) -> Any:
    """The column as the bytes or text on disk: its sealed type's underlying type, the sealing bypassed."""
    sealed = column.type
    assert isinstance(sealed, SealedJson | SealedBytes)  # only sealed_columns() are passed
    return type_coerce(column, sealed.impl_instance)


@dataclass
class ResealReport:
    checked: dict[str, int] = field(default_factory=dict)
    rewritten: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)

    @property
    def total_rewritten(self) -> int:
        return sum(self.rewritten.values())


def count_rows(uow: UnitOfWork) -> int:
    with uow.engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t, _, _ in sealed_columns())


def reseal(uow: UnitOfWork, *, batch: int = 500, progress: Callable[[int], None] = lambda n: None) -> ResealReport:
    vault = engine_vault(uow.engine)
    if vault is None:
        raise VaultError("no [encryption] keys are configured: there is nothing to seal with")
    report = ResealReport()
    for table, key, columns in sealed_columns():
        checked = rewritten = unreadable = 0
        for rows in _pages(uow, table, key, columns, batch):
            with uow.engine.begin() as conn:
                for row in rows:
                    try:
                        rewritten += _reseal_row(conn, vault, table, key, columns, row)
                    except VaultError as exc:  # this row only: the others are re-sealed
                        REPORTED.report("rotate-data", f"{table.name} row {row[0]}", exc)
                        unreadable += 1
            checked += len(rows)
            progress(len(rows))
        report.checked[table.name], report.rewritten[table.name] = checked, rewritten
        report.unreadable[table.name] = unreadable
    return report


def _pages(uow: UnitOfWork, table: Table, key: str, columns: tuple[str, ...], size: int) -> Iterator[list[Any]]:
    """Stored bytes as they are on disk (the column types bypassed), keyset-paged for bounded memory."""
    stored = [_stored(table.c[c]).label(c) for c in columns]
    after: Any = None
    while True:
        query = select(table.c[key], *stored).order_by(table.c[key]).limit(size)
        if after is not None:
            query = query.where(table.c[key] > after)
        with uow.engine.connect() as conn:
            rows = list(conn.execute(query).all())
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _reseal_row(conn: Connection, vault: Vault, table: Table, key: str, columns: tuple[str, ...], row: Any) -> int:
    changes: dict[str, Any] = {}
    for name, value in zip(columns, row[1:], strict=True):
        if value is None or vault.is_current(value):
            continue
        # Written through the typed column, the opened value is sealed again with the active key.
        changes[name] = (
            open_blob(bytes(value), vault) if isinstance(value, bytes | memoryview) else open_json(value, vault)
        )
    if not changes:
        return 0
    guard = [_stored(table.c[n]) == v for n, v in zip(columns, row[1:], strict=True) if n in changes]
    return int(conn.execute(update(table).where(table.c[key] == row[0], *guard).values(changes)).rowcount or 0)
