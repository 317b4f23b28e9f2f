"""A fresh database per test, copied from one made at the newest schema once per module: on PostgreSQL `CREATE
DATABASE … TEMPLATE` (a file copy in the server), on SQLite a copy of the file — instead of creating the ~40 tables
and stamping the version for every test (about 0.4 s a test on PostgreSQL). The copy is as new as a fresh one:
empty tables at head, so the adapter's create_schema only checks the version.

For the partner end-to-end modules (test_traffic_e2e.py, test_arbitration_e2e.py, test_roster_e2e.py), as their
`database_url` fixture over `templates` (module scope): `from tests.support.db_template import database_url,
templates`.
"""

import shutil
import uuid
from pathlib import Path

import pytest

from adapter.persistence.engine import create_schema, make_engine
from adapter.testing import fresh_database


class Templates:
    """One template database per backend, made on first use; `copy` gives a new database made from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._postgres: str | None = None  # the template's name on the server
        self._sqlite: Path | None = None

    def sqlite(self, target: Path) -> str:
        """A SQLite database at `target` (a file that does not exist yet), at the newest schema; its URL."""
        if self._sqlite is None:
            self._sqlite = self.folder / "template.db"
            _at_head(f"sqlite:///{self._sqlite}")
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgres(self, server_url: str) -> str:
        """A new database on the server at `server_url`, at the newest schema; its URL."""
        import psycopg  # the postgres extra, as adapter/testing/postgres.py imports it

        if self._postgres is None:
            made = fresh_database(server_url)
            _at_head(made)  # disposed: a template may have no connection open when it is copied
            self._postgres = made.rsplit("/", 1)[1]
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._postgres}"')
        return server_url.rsplit("/", 1)[0] + "/" + name


def _at_head(url: str) -> None:
    engine = make_engine(url)
    try:
        create_schema(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"))


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest, templates: Templates) -> str:
    """tests/integration/conftest.py's `database_url` (a new database on `backend`), copied from the template."""
    if backend == "sqlite":
        return templates.sqlite(tmp_path / "adapter.db")
    return templates.postgres(request.getfixturevalue("postgres"))
