"""Heartbeats of running `docking run` processes and the data keys each holds (table `process_heartbeats`).

`docking keys rotate-data` re-seals every stored value with the active data key; a running process that does not
hold that key can then open no case, message or document. The key list each process started with is only in its
memory, so each writes it here: at start-up, every PERIOD while it runs, and it deletes its row on a clean stop.
A row not refreshed for STALE_AFTER periods belongs to a process that is gone (killed, host down) and is ignored.
Only ids are stored, never key material.
"""

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import ProcessHeartbeatRow
from adapter.persistence.vault import Vault
from schemas.clock import Clock, from_db, to_utc

PERIOD = timedelta(seconds=60)
STALE_AFTER = 3  # periods without a refresh before a process counts as gone


@dataclass(frozen=True)
class Heartbeat:
    holder: str
    host: str
    pid: int
    seen_at: datetime
    data_keys: frozenset[str]
    active_key: str | None

    @property
    def name(self) -> str:
        return f"{self.host} pid {self.pid}"


def beat(uow: UnitOfWork, clock: Clock, holder: str, pid: int, vault: Vault | None, period: timedelta = PERIOD) -> None:
    """Say (again) that this process runs and which data keys it holds."""
    now = to_utc(clock())
    keys = ",".join(sorted(vault.keys)) if vault is not None else ""
    with uow.begin() as session:
        row = session.get(ProcessHeartbeatRow, holder)
        if row is None:
            row = ProcessHeartbeatRow(
                holder=holder,
                host=socket.gethostname()[:64],
                pid=pid,
                started_at=now,
                seen_at=now,
                period_seconds=max(1, round(period.total_seconds())),
            )
        row.seen_at, row.data_keys = now, keys
        row.active_key = vault.active.kid if vault is not None else None
        session.add(row)


def stop(uow: UnitOfWork, holder: str) -> None:
    """A clean stop: the process no longer needs any key."""
    with uow.begin() as session:
        session.exec(delete(ProcessHeartbeatRow).where(col(ProcessHeartbeatRow.holder) == holder))


def live(uow: UnitOfWork, now: datetime) -> list[Heartbeat]:
    """The processes whose heartbeat is fresh at `now` (refreshed within STALE_AFTER of their own periods)."""
    with uow.begin() as session:
        rows = session.exec(select(ProcessHeartbeatRow).order_by(col(ProcessHeartbeatRow.holder))).all()
    found = []
    for row in rows:
        seen = from_db(row.seen_at)
        if now - seen <= STALE_AFTER * timedelta(seconds=row.period_seconds):
            keys = frozenset(k for k in row.data_keys.split(",") if k)
            found.append(Heartbeat(row.holder, row.host, row.pid, seen, keys, row.active_key))
    return found


def lacking(beats: list[Heartbeat], key_id: str) -> list[Heartbeat]:
    """The live processes that do not hold data key `key_id`: re-sealing with it would leave them blind."""
    return [b for b in beats if key_id not in b.data_keys]


def sealing_with_other(beats: list[Heartbeat], key_id: str) -> list[Heartbeat]:
    """The live processes that hold `key_id` but still seal new data with another key: what they write after a
    re-seal needs a second `rotate-data` once they are restarted with `key_id` active."""
    return [b for b in beats if key_id in b.data_keys and b.active_key != key_id]
