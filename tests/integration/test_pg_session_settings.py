"""The adapter's PostgreSQL sessions run in UTC and at READ COMMITTED whatever the server, database or role says
(adapter/persistence/engine.py): the audit chain's lock-then-tail and the outbox record's re-test need a snapshot per
statement, and stored times must not shift with the server's zone."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from adapter.persistence.engine import make_engine
from adapter.testing import fresh_database


@pytest.fixture
def database(postgres: str) -> Iterator[str]:
    url = fresh_database(postgres)
    name = url.rsplit("/", 1)[1]
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # a database whose default is not what the adapter needs
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'repeatable read'"))
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Shanghai'"))
    admin.dispose()
    yield url


@pytest.mark.parametrize(
    ("setting", "expected", "plain"),
    [
        ("transaction_isolation", "read committed", "repeatable read"),
        ("TimeZone", "UTC", "Asia/Shanghai"),
    ],
)
def test_the_session_settings_are_pinned(database: str, setting: str, expected: str, plain: str) -> None:
    bare = create_engine(database)  # not vacuous: the database's own default differs
    with bare.connect() as connection:
        assert connection.execute(text(f"SHOW {setting}")).scalar() == plain
    bare.dispose()
    engine = make_engine(database)
    with engine.connect() as connection:
        assert connection.execute(text(f"SHOW {setting}")).scalar() == expected
    engine.dispose()
