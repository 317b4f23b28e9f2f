"""Schema versions: migrations with Alembic, and the fast path for a brand-new database.

A new, empty database gets the tables from the model and is stamped at the newest migration; an existing one
is changed only by `docking db upgrade`, and the adapter refuses to run on one that is behind.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from adapter import tables  # noqa: F401  (registers the tables)
from adapter.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return str(ScriptDirectory.from_config(_config(None)).get_current_head())  # type: ignore[arg-type]


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def prepare(engine: Engine) -> None:
    """Create a new database at the newest version, or check an existing one is up to date."""
    with engine.begin() as connection:
        version = current(connection)
        if version is None:
            if inspect(connection).get_table_names():
                raise ConfigError("the database has tables but no schema version: run `docking db upgrade`")
            SQLModel.metadata.create_all(connection)
            command.stamp(_config(connection), "head")
        elif version != head():
            raise ConfigError(
                f"the database schema is at {version}, the adapter needs {head()}: run `docking db upgrade`"
            )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every migration not yet applied; returns (version before, version after).

    Alembic runs the transactions itself (not one of ours around it), so a migration may step out of the
    transaction for work that PostgreSQL refuses inside one, such as CREATE INDEX CONCURRENTLY.
    """
    with engine.connect() as connection:
        before = current(connection)
        connection.commit()
        command.upgrade(_config(connection), "head")
        connection.commit()
        return before, str(current(connection))
