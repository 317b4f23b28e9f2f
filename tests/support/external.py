"""Programs outside Python the tests need (the xmlsec1 peer, the PostgreSQL server): skipped where they are missing
on a developer machine, a failure in CI, where `.ci/run` installs them."""

import os
import shutil
from contextlib import AbstractContextManager
from typing import NoReturn

import pytest

from adapter.testing.postgres import PgServer, postgres_server, server_binaries


def _missing(what: str, install: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run should have installed it")
    pytest.skip(f"{what} is not installed ({install})")


def find_xmlsec1() -> str:
    """The Debian xmlsec1 binary, the independent XML-DSig peer: a CI failure if missing there, else a skip."""
    found = shutil.which("xmlsec1")
    if found is None:
        _missing("xmlsec1", "apt-get install -y xmlsec1")
    return found


def find_systemd_analyze() -> str:
    """systemd's unit checker, for deploy/docking.service: a CI failure if missing there, else a skip."""
    found = shutil.which("systemd-analyze")
    if found is None:
        _missing("systemd-analyze", "apt-get install -y systemd")
    return found


def private_postgres() -> AbstractContextManager[PgServer]:
    """A private PostgreSQL server for as long as the `with` lasts (adapter.testing.postgres)."""
    if server_binaries() is None:
        _missing("PostgreSQL", "apt-get install -y postgresql")
    return postgres_server()
