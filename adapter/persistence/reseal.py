"""Key rotation for sealed personal data: rewrite every stored value not sealed with the active data key.

Run after adding a new key and making it `active` (old keys stay configured until this reports nothing left);
also seals, in place, data written before encryption was configured. Batches of rows, each its own short
transaction, so `docking run` can keep working meanwhile; a row is rewritten only if it still holds the value
read (the columns are written once, so in practice it always does). A row that does not open with the
configured keys (its key was removed too early) is left as it is, reported once and counted as unreadable.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import LargeBinary, Table, Text, func, select, type_coerce, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import Vault, VaultError, open_blob, open_json

# (table, key column, sealed columns): every place personal data is stored (adapter/persistence/tables.py).
_SEALED: list[tuple[str, str, tuple[str, ...]]] = [
    ("cases", "id", ("dispatch_json", "agreement_json")),
    ("outbox", "id", ("envelope_json",)),
    ("quarantine", "id", ("raw",)),
    ("documents", "sha256", ("content",)),
]
_BLOBS = frozenset({"raw", "content"})


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
        return sum(conn.execute(select(func.count()).select_from(_table(n))).scalar_one() for n, _, _ in _SEALED)


def reseal(uow: UnitOfWork, *, batch: int = 500, progress: Callable[[int], None] = lambda n: None) -> ResealReport:
    vault = engine_vault(uow.engine)
    if vault is None:
        raise VaultError("no [encryption] keys are configured: there is nothing to seal with")
    report = ResealReport()
    for name, key, columns in _SEALED:
        table = _table(name)
        checked = rewritten = unreadable = 0
        for rows in _pages(uow, table, key, columns, batch):
            with uow.engine.begin() as conn:
                for row in rows:
                    try:
                        rewritten += _reseal_row(conn, vault, table, key, columns, row)
                    except VaultError as exc:  # this row only: the others are re-sealed
                        REPORTED.report("rotate-data", f"{name} row {row[0]}", exc)
                        unreadable += 1
            checked += len(rows)
            progress(len(rows))
        report.checked[table.name], report.rewritten[table.name] = checked, rewritten
        report.unreadable[table.name] = unreadable
    return report


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _pages(uow: UnitOfWork, table: Table, key: str, columns: tuple[str, ...], size: int) -> Iterator[list[Any]]:
    """Stored bytes as they are on disk (the column types bypassed), keyset-paged for bounded memory."""
    stored = [type_coerce(table.c[c], LargeBinary if c in _BLOBS else Text).label(c) for c in columns]
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
    guard = [
        type_coerce(table.c[n], LargeBinary if n in _BLOBS else Text) == v
        for n, v in zip(columns, row[1:], strict=True)
        if n in changes
    ]
    return int(conn.execute(update(table).where(table.c[key] == row[0], *guard).values(changes)).rowcount or 0)
