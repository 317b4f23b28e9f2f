"""A fresh database per test, copied from one made at the newest schema once per run: on PostgreSQL `CREATE
DATABASE … TEMPLATE` (a file copy in the server), on SQLite a copy of the file — instead of creating the ~40 tables
and stamping the version for every test (about 0.4 s a test on PostgreSQL; a copy and its drop take ~0.08 s). The
copy is as new as a fresh one: empty tables at head, so the adapter's create_schema only checks the version.

The template is made by create_schema at run time (tables from the models, stamped at the newest migration), never
from a stored schema, so a new model or migration is in it at once. Each PostgreSQL copy is dropped after its test:
800 copies of ~9 MB left on the server made its data folder grow by gigabytes and its stop at the end slow.

Used by tests/integration/conftest.py's `database_url` over the session's `templates` (tests/conftest.py).
Tests of a schema that is not the newest (migrations, upgrades, two first starts at once) build their own.
"""

import contextlib
import shutil
import uuid
from pathlib import Path

from adapter.persistence.engine import create_schema, make_engine
from adapter.testing import fresh_database


class Templates:
    """One template database per backend (and PostgreSQL server), made on first use; `sqlite` and `postgres` give
    a new database made from it, `drop` removes a PostgreSQL one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._postgres: dict[str, str] = {}  # server URL -> the template's name on it
        self._sqlite: Path | None = None

    def sqlite(self, target: Path) -> str:
        """A SQLite database at `target` (a file that does not exist yet), at the newest schema; its URL."""
        if self._sqlite is None:
            made = self.folder / "template.db"
            _at_head(f"sqlite:///{made}")  # disposed, so the file is whole (no journal beside it)
            self._sqlite = made
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgres(self, server_url: str) -> str:
        """A new database on the server at `server_url`, at the newest schema; its URL."""
        if server_url not in self._postgres:
            made = fresh_database(server_url)
            _at_head(made)  # disposed: a template may have no connection open when it is copied
            self._postgres[server_url] = made.rsplit("/", 1)[1]
        name = f"t_{uuid.uuid4().hex[:12]}"
        _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{self._postgres[server_url]}"')
        return server_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, server_url: str, url: str) -> None:
        """Drop the copy at `url` on the server at `server_url`, closing what a test left connected to it.

        A server a test left stopped cannot drop anything: the copy stays until the server's folder is removed at
        the end of the run, which is all a drop saves."""
        import psycopg

        with contextlib.suppress(psycopg.OperationalError):
            _admin(server_url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _admin(server_url: str, statement: str) -> None:
    import psycopg  # the postgres extra, as adapter/testing/postgres.py imports it

    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        admin.execute(statement)  # type: ignore[arg-type]


def _at_head(url: str) -> None:
    engine = make_engine(url)
    try:
        create_schema(engine)
    finally:
        engine.dispose()
