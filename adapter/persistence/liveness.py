"""A pooled PostgreSQL connection is checked before use without a round trip when it can be.

What `pool_pre_ping` did: a ";" sent and answered on every checkout — one round trip, every transaction, a tenth of
a delivered message's database round trips (#21, bench/delivery.py pg_scaling: a delivery worker's record and claim
transactions). A backend that went away while its connection sat in the pool (a server restart or stop,
pg_terminate_backend, an idle timeout, the backend killed) says so on the socket: the server sends its FATAL
notice and closes, or the kernel closes it when the process dies, so the socket turns readable. An idle connection in
good health has nothing to read. So: nothing to read, the connection is handed out as it is; something to read, the
ping is sent as before, and a connection that fails it is replaced (DisconnectionError: the pool reconnects and hands
out the new one), as pool_pre_ping replaced it. A connection closed on our side is replaced too.

What this does not see, and the ping did (eventually): a peer gone silently (a host or network lost without a
FIN or RST) — there the ping itself waited out the TCP timeout, and now the transaction's first statement does.
"""

import select
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def check_on_checkout(engine: Engine) -> None:
    """Check each connection `engine` (psycopg) hands out as described in the module doc."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed:
            raise DisconnectionError("connection closed")
        if not readable(dbapi_connection.fileno()):
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:  # what pool_pre_ping reads as a lost connection
            raise DisconnectionError(f"connection lost: {exc}") from exc
        if not alive:
            raise DisconnectionError("connection failed its ping")


def readable(fd: int) -> bool:
    """Whether `fd` has something to read (or is closed) now, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
