"""Schema versions: migrations with Alembic, and the fast path for a brand-new database.

A new, empty database gets the tables from the model and is stamped at the newest migration; an existing one
is changed only by `docking db upgrade`, and the adapter refuses to run on one that is behind.

Both are serialised across processes: two `docking run` started at once on a new PostgreSQL database would
otherwise both find it empty and both CREATE TABLE, and the second dies on a duplicate key in the catalog
(pg_type). On PostgreSQL an advisory lock on a fixed key is held around the check-and-create and around the
migrations, so the second waits and then finds the schema at head; SQLite's write lock, taken at BEGIN
(adapter/persistence/engine.py), does the same there.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from adapter.errors import ConfigError
from adapter.persistence import (  # noqa: F401  (registers the tables)
    api_tables,
    audit_tables,
    complaint_tables,
    event_tables,
    ops_tables,
    partner_tables,
    report_tables,
    tables,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_lock key for schema changes: any fixed bigint, unlikely to be chosen by another application sharing
# the server (advisory locks are per database, so two adapters on two databases never wait for each other).
SCHEMA_LOCK = 0x646F636B696E67  # "docking"


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for our migrations, run on `connection`: for `command.upgrade` / `stamp` to a given
    revision (here to head; a migration's test upgrades to the revision before it, fills rows, then to head)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return str(ScriptDirectory.from_config(alembic_config(None)).get_current_head())  # type: ignore[arg-type]


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def prepare(engine: Engine) -> None:
    """Create a new database at the newest version, or check an existing one is up to date."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # released at commit: the new tables are visible by then
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        version = current(connection)
        if version is None:
            if inspect(connection).get_table_names():
                raise ConfigError("the database has tables but no schema version: run `docking db upgrade`")
            SQLModel.metadata.create_all(connection)
            command.stamp(alembic_config(connection), "head")
        elif version != head():
            raise ConfigError(
                f"the database schema is at {version}, the adapter needs {head()}: run `docking db upgrade`"
            )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every migration not yet applied; returns (version before, version after).

    Alembic runs the transactions itself (not one of ours around it), so a migration may step out of the
    transaction for work that PostgreSQL refuses inside one, such as CREATE INDEX CONCURRENTLY.
    """
    with engine.connect() as connection, _schema_lock(connection):
        before = current(connection)
        connection.commit()
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
        return before, str(current(connection))


@contextmanager
def _schema_lock(connection: Connection) -> Iterator[None]:
    """A session-level advisory lock on PostgreSQL (it outlives the migrations' own commits); nothing elsewhere.

    Asked for with pg_try_advisory_lock and no transaction left open between tries, never a blocking
    pg_advisory_lock: a migration building an index CONCURRENTLY waits for every older snapshot, including the
    one of a statement blocked on this lock — a deadlock PostgreSQL would resolve by killing one of them."""
    if connection.dialect.name != "postgresql":
        yield
        return
    lock = text("SELECT pg_try_advisory_lock(:key)")
    while not connection.execute(lock, {"key": SCHEMA_LOCK}).scalar_one():
        connection.commit()
        time.sleep(0.2)
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()  # a failed migration leaves the transaction aborted; the unlock needs a fresh one
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
        connection.commit()
