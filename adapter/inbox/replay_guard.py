"""The persisted replay guard: a signed request id is accepted once per scope until its window has passed.

Two ways to use it: `SqlReplayGuard.first_sighting` records an id in a transaction of its own (a request with no
stored effect: the check is all there is); `seen` + `remember` record it inside the transaction of the effect it
guards (the push intake, adapter/inbox/push.py), so an id is never recorded for an effect that did not commit.

The insert is the check — the primary key (scope, nonce) makes two workers racing on one replay agree that only
one of them saw it first. Expired rows are pruned by the scheduler, so the table holds one window's worth.
"""

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import SeenNonceRow
from schemas.clock import from_db, to_utc


class SqlReplayGuard:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def first_sighting(self, scope: str, message_id: str, *, now: datetime, until: datetime) -> bool:
        try:
            with self.uow.begin() as session:
                stale = session.get(SeenNonceRow, (scope, message_id))
                if stale is not None:
                    if from_db(stale.expires_at) > to_utc(now):
                        return False
                    session.delete(stale)  # an id seen long ago, outside every window: a new sighting
                    session.flush()
                session.add(SeenNonceRow(scope=scope, nonce=message_id, expires_at=to_utc(until)))
            return True
        except (IntegrityError, StaleDataError):
            return False  # another worker recorded (or renewed) it between our read and our write: fail closed


def prune_nonces(uow: UnitOfWork, now: datetime) -> int:
    """Forget ids whose window has passed; returns how many were removed."""
    with uow.begin() as session:
        result = session.exec(delete(SeenNonceRow).where(col(SeenNonceRow.expires_at) <= to_utc(now)))
        return int(result.rowcount or 0)


def _key(message_id: str) -> str:
    """The id as stored: one longer than the column (128) by its SHA-256, so a long signed id is guarded too."""
    if len(message_id) <= 128:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def seen(session: Session, scope: str, message_id: str, *, now: datetime) -> bool:
    """Whether `message_id` was recorded in `scope` and its window has not passed yet."""
    row = session.get(SeenNonceRow, (scope, _key(message_id)))
    return row is not None and from_db(row.expires_at) > to_utc(now)


def remember(session: Session, scope: str, message_id: str, *, until: datetime) -> None:
    """Record `message_id` in `scope` until `until`, in the caller's transaction (committed with its effect). A row
    left from an earlier window is renewed; a concurrent insert of the same id fails the caller's commit with an
    IntegrityError, which the caller answers as a repeat."""
    row = session.get(SeenNonceRow, (scope, _key(message_id)))
    if row is None:
        session.add(SeenNonceRow(scope=scope, nonce=_key(message_id), expires_at=to_utc(until)))
    elif from_db(row.expires_at) < to_utc(until):
        row.expires_at = to_utc(until)
        session.add(row)
