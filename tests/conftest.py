"""Shared fixtures. Real sockets are allowed to loopback only: anything else fails the test at once."""

import compileall
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# pytest-xdist's workers are started from the controller's C-level environment, where GNU readline (imported by
# pytest) has set COLUMNS=80 and LINES=24; the controller's os.environ, read before that, has neither. A rich console
# made at import (cli/output.py) would then keep 80 columns whatever width a test asks for: each worker takes the
# controller's values instead, so a test sees the environment it sees in a run without workers.
_TERMINAL_SIZE = ("COLUMNS", "LINES")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput["terminal_size"] = {name: os.environ.get(name) for name in _TERMINAL_SIZE}


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers), once, before any child starts
        _compile_project()
    sizes = getattr(config, "workerinput", {}).get("terminal_size", {})
    for name, value in sizes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _compile_project() -> None:
    """Write the bytecode of the project's own packages (an editable install is never compiled by pip).

    Why: where PYTHONDONTWRITEBYTECODE is set (this machine's image sets it) no interpreter writes bytecode, so each
    child the tests start — `docking run`, `serve`, a sandbox court, a bench — compiled the project's ~600 modules
    again: about a second and a half each on a slow machine, a fifth of test_database_files_cli.py's time. compileall
    writes it once, explicitly (that variable stops only the implicit writes), and only what changed since."""
    root = Path(__file__).resolve().parent.parent
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
        compileall.compile_dir(package, quiet=2)
