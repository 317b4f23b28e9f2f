"""A pooled PostgreSQL connection whose backend went away is replaced before use, as pool_pre_ping replaced it, and a
healthy one is handed out without a ping (adapter/persistence/liveness.py)."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from adapter.persistence.engine import make_engine
from adapter.testing import PgServer, fresh_database
from tests.support.external import private_postgres

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_server() -> Iterator[PgServer]:
    """A server of this module's own: restarting the shared one would fail other tests."""
    with private_postgres() as server:
        yield server


def _backend(engine: Engine) -> int:
    with engine.begin() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(server: PgServer, url: str) -> None:
    """Every backend of `url`'s database terminated, and gone (pg_terminate_backend only signals it)."""
    name, others = url.rsplit("/", 1)[1], "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        admin.execute(f"SELECT pg_terminate_backend(pid) {others}", (name,))
        deadline = time.monotonic() + 10
        while admin.execute(f"SELECT count(*) {others}", (name,)).fetchone() != (0,):
            assert time.monotonic() < deadline
            time.sleep(0.01)


def _restart(server: PgServer, _url: str) -> None:
    server.stop()
    server.start()


LOSSES: dict[str, Callable[[PgServer, str], None]] = {"backend terminated": _terminate, "server restarted": _restart}
ENGINES: dict[str, Callable[[str], Engine]] = {
    "ours": make_engine,  # the socket told, a ping only then
    "pool_pre_ping": lambda url: create_engine(url, pool_pre_ping=True),  # the path ours replaced
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("kind", ENGINES)
def test_a_lost_connection_is_replaced_before_use(own_server: PgServer, kind: str, loss: str) -> None:
    """The pooled connection's backend goes away between two transactions: the second runs on a new one, no error."""
    engine = ENGINES[kind](fresh_database(own_server))
    try:
        first = _backend(engine)
        LOSSES[loss](own_server, str(engine.url.render_as_string(hide_password=False)))
        assert _backend(engine) != first
        assert _backend(engine) == _backend(engine)  # and the new one is kept
    finally:
        engine.dispose()


def test_the_loss_is_real_without_a_check(own_server: PgServer) -> None:
    """The scenario above bites: a pool that checks nothing hands out the dead connection and the transaction fails."""
    engine = create_engine(fresh_database(own_server), pool_pre_ping=False)
    try:
        _backend(engine)
        _terminate(own_server, str(engine.url.render_as_string(hide_password=False)))
        with pytest.raises(OperationalError):
            _backend(engine)
    finally:
        engine.dispose()


def test_a_healthy_connection_is_handed_out_without_a_ping(
    own_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(fresh_database(own_server))
    try:
        first = _backend(engine)
        pings: list[Any] = []
        ping = engine.dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            pings.append(dbapi_connection)
            return ping(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", counted)
        assert [_backend(engine) for _ in range(5)] == [first] * 5
        assert pings == []
        _terminate(own_server, str(engine.url.render_as_string(hide_password=False)))
        assert _backend(engine) != first
        assert len(pings) == 1  # the socket said something: the ping, which failed, and a new connection
    finally:
        engine.dispose()
