"""Shared fixtures. Real sockets are allowed to loopback only: anything else fails the test at once."""

import socket
from collections.abc import Iterator

import pytest

from tests.support.db_template import Templates
from tests.support.external import private_postgres

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and not (host.startswith("127.") or host in ("localhost", "::1"))
        and self.family in (socket.AF_INET, socket.AF_INET6)
    ):
        raise RuntimeError(f"tests may only connect to loopback, not {host!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """One private PostgreSQL server for the whole run (tests take fresh databases on it)."""
    with private_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """The databases at the newest schema each test's own database is copied from (tests/support/db_template.py)."""
    return Templates(tmp_path_factory.mktemp("templates"))
