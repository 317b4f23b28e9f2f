"""The driver-level statement plans (adapter/outbox/prepared.py, adapter/persistence/bulk.py): a bind used twice
runs as SQLAlchemy runs it, and a plan goes with its engine — a plan's processors refer to their dialect, and the
dialect carries the engine's data keys (sealed_types.attach_vault), so a cache that outlived it would keep every
engine a process ever built in memory, keys and all."""

import gc
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select, update
from sqlalchemy.engine import Engine

from adapter.outbox.prepared import Prepared
from adapter.persistence.bulk import insert_rows
from adapter.persistence.engine import make_engine
from adapter.persistence.sealed_types import SealedJson, attach_vault
from adapter.persistence.vault import Vault, new_key

pytestmark = pytest.mark.integration

METADATA = MetaData()
PAIRS = Table("pairs", METADATA, Column("id", Integer, primary_key=True), Column("a", String), Column("b", String))
TWICE = update(PAIRS).where(PAIRS.c.id == bindparam("x")).values(a=bindparam("v"), b=bindparam("v"))
# A sealed column: its processor (a TypeDecorator's) refers to its dialect, and reads the vault off it
SEALED = Table("sealed", METADATA, Column("id", Integer, primary_key=True), Column("body", SealedJson))
SEAL = Prepared(update(SEALED).where(SEALED.c.id == bindparam("x")).values(body=bindparam("body")))  # lives on, as
# the record's UPDATE does (adapter/outbox/record.py)


def _pairs(tmp_path: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(PAIRS.insert(), [{"id": i, "a": "-", "b": "-"} for i in (1, 2, 3)])
        connection.execute(SEALED.insert(), [{"id": 1, "body": None}])
    return engine


@pytest.mark.parametrize(
    "rows",
    [[{"x": 1, "v": "z"}], [{"x": 1, "v": "甲"}, {"x": 3, "v": ""}], [{"x": 9, "v": "none such"}]],
    ids=["one", "two", "no-match"],
)
def test_a_bind_used_twice_runs_as_sqlalchemy_runs_it(tmp_path: Path, rows: list[dict[str, object]]) -> None:
    """On SQLite each use of a bind is a place of its own in the SQL (`a=?, b=?`): each gets the value."""
    ours, theirs = _pairs(tmp_path, "ours.db"), _pairs(tmp_path, "theirs.db")
    with ours.begin() as connection:
        changed = Prepared(TWICE).executemany(connection, rows)
    with theirs.begin() as connection:
        expected = connection.execute(TWICE, rows).rowcount
    assert changed == expected
    read = select(PAIRS).order_by(PAIRS.c.id)
    with ours.connect() as a, theirs.connect() as b:
        assert a.execute(read).all() == b.execute(read).all()


def _uses_prepared(engine: Engine) -> None:
    with engine.begin() as connection:
        SEAL.executemany(connection, [{"x": 1, "body": '{"phone": "13800138000"}'}])


def _uses_bulk(engine: Engine) -> None:
    with engine.begin() as connection:
        insert_rows(connection, SEALED, [{"id": 2, "body": '{"phone": "13800138000"}'}])


@pytest.mark.parametrize("use", [_uses_prepared, _uses_bulk], ids=["prepared", "bulk"])
def test_a_plan_goes_with_its_engine_and_its_keys(tmp_path: Path, use: Callable[[Engine], None]) -> None:
    engine = _pairs(tmp_path, "gone.db")
    vault = Vault([new_key("k1")], "k1")
    attach_vault(engine, vault)
    use(engine)
    dialect, keys = weakref.ref(engine.dialect), weakref.ref(vault)
    engine.dispose()
    del engine, vault
    gc.collect()
    assert dialect() is None and keys() is None
