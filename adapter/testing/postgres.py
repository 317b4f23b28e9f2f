"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks, from the Debian package's binaries.

Started with initdb + pg_ctl in a temporary folder (as the `postgres` user when run as root, which PostgreSQL
refuses to run as), listening on loopback only, stopped at the end. Without the binaries `postgres_server` raises
PostgresUnavailable: the caller decides what that means (the test suite skips, or fails in CI, where `.ci/run`
installs the package).
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (for a server to start on, or for nothing to answer)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgServer(str):
    """The server's URL, as a str, that can also stop and start the server (database outage tests)."""

    _pg_ctl: list[str]

    def __new__(cls, url: str, pg_ctl: list[str]) -> "PgServer":
        server = super().__new__(cls, url)
        server._pg_ctl = pg_ctl
        return server

    def stop(self) -> None:
        """Stop at once, as a crash or a failover would: clients see their connections drop and refused."""
        subprocess.run([*self._pg_ctl, "-m", "immediate", "stop"], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        subprocess.run([*self._pg_ctl, "-t", "60", "start"], check=True, capture_output=True, timeout=90)


@contextmanager
def postgres_server() -> Iterator[PgServer]:
    """Yields a SQLAlchemy URL for a fresh, empty database on a private server."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (apt-get install -y postgresql)")
    base = Path(tempfile.mkdtemp(prefix="docking-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    start = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w"]
    # From here on the server is stopped and its directory removed whatever ends this (a failure, Ctrl-C, a
    # benchmark's SIGTERM: bench/signals.py) — also while it is being made or started: stopping a server that never
    # started does nothing.
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "docking", "--no-sync", "-E", "UTF8"]
        subprocess.run(
            [*prefix, *initdb],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run([*start, "-t", "60", "start"], check=True, capture_output=True, timeout=90)
        subprocess.run(
            [*prefix, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "docking", "docking"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield PgServer(f"postgresql+psycopg://docking@127.0.0.1:{port}/docking", start)
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server (each test gets its own), as a SQLAlchemy URL."""
    import psycopg  # the postgres extra: imported when a database is made, so the clock needs no driver

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
