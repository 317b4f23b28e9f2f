"""What the product ships for testing code that uses it (as structlog ships structlog.testing): no pytest here.

    clock.py       FakeClock: the injected clock (`() -> datetime`) a test sets and moves by hand
    postgres.py    a private PostgreSQL server on 127.0.0.1 from the Debian binaries, and a fresh database on it
    fake_store.py  FakeCaseStore: the case store (adapter/cases/store.py) in memory, for use-case tests

Used by the test suite and by the benchmarks alike; a test runner decides what a missing PostgreSQL means
(tests skip, or fail in CI; a benchmark stops).
"""

from adapter.testing.clock import FakeClock
from adapter.testing.postgres import (
    PgServer,
    PostgresUnavailable,
    free_port,
    fresh_database,
    postgres_server,
    server_binaries,
)

__all__ = [
    "FakeClock",
    "PgServer",
    "PostgresUnavailable",
    "free_port",
    "fresh_database",
    "postgres_server",
    "server_binaries",
]
