"""A guard that keeps unit tests off databases — the use cases run on the in-memory
case store (adapter/testing/fake_store.py); tests of code that reads and writes the tables belong in
tests/integration."""

import sqlite3
from typing import NoReturn

import pytest


def _refuse(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError(
        "a unit test opened a database: run the use case on adapter/testing/fake_store.py, "
        "or move the test to tests/integration"
    )


@pytest.fixture(autouse=True)
def _no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLAlchemy's SQLite dialect connects through sqlite3.dbapi2; PostgreSQL needs the server below.
    monkeypatch.setattr(sqlite3, "connect", _refuse)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", _refuse)


@pytest.fixture(scope="session")
def postgres() -> str:
    """Unit tests start no PostgreSQL server either (this shadows tests/conftest.py's)."""
    _refuse()
