"""The centre-event store: `emit` writes an event in its cause's transaction; `page` reads them in order.

`emit` takes the cause's Connection (a Session's `session.connection()`), so the event commits or rolls back with
its cause: a cause rolled back leaves no event, and a committed one always has its event.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from adapter.events.kinds import EventType
from adapter.persistence.bulk import insert_rows
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import OutboxStatus
from schemas.clock import from_db, to_utc
from schemas.uuids import uuid4_hex

EVENTS = CentreEventRow.__table__  # type: ignore[attr-defined]


# Built once: json.dumps with options builds an encoder per call (a page's events are written in hundreds).
_DATA_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def new_event_id() -> str:
    return "evt_" + uuid4_hex()


class Batch:
    """Events held to be written together (one INSERT for many) by `write`, in the caller's transaction — a feed
    page's (adapter/inbox/page.py). Pass one to `emit` in place of a Connection."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, connection: Connection) -> None:
        insert_rows(connection, EVENTS, self.rows)  # at the driver (adapter/persistence/bulk.py): a page's hundreds
        self.rows.clear()


def emit(
    connection: Connection | Batch, type: EventType, case_id: str | None, data: dict[str, Any], at: datetime
) -> str:
    """Write one event, due for delivery at once, in the caller's transaction (or hold it in `connection`, a Batch);
    returns its id."""
    event_id = new_event_id()
    row = _row(event_id, type, case_id, data, to_utc(at))
    if isinstance(connection, Batch):
        connection.rows.append(row)
    else:
        connection.execute(insert(EVENTS).values(**row))
    return event_id


def _row(event_id: str, type: EventType, case_id: str | None, data: dict[str, Any], when: datetime) -> dict[str, Any]:
    """One event row, due for delivery at `when` (UTC)."""
    return {
        "event_id": event_id,
        "type": type.value,
        "case_id": case_id,
        "at": when,
        "data_json": _DATA_JSON.encode(data),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": when,
        "queued_at": when,
    }


def emit_many(
    connection: Connection, type: EventType, items: Sequence[tuple[str | None, dict[str, Any]]], at: datetime
) -> list[str]:
    """`emit` for many events of one type and time — `items` as (case_id, data) — in one multi-row INSERT, in
    order (their positions follow `items`); returns their ids."""
    when, ids = to_utc(at), [new_event_id() for _ in items]
    rows = [_row(event_id, type, case_id, data, when) for event_id, (case_id, data) in zip(ids, items, strict=True)]
    insert_rows(connection, EVENTS, rows)
    return ids


@dataclass(frozen=True)
class Event:
    """An event as the centre sees it (the GET list's item and the webhook's body)."""

    position: int
    id: str
    type: str
    case_id: str | None
    at: datetime  # aware, UTC
    data: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "case_id": self.case_id,
            "time": self.at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


def to_event(row: Any) -> Event:
    return Event(row.id, row.event_id, row.type, row.case_id, from_db(row.at), json.loads(row.data_json))


def page(connection: Connection, *, after: int, limit: int) -> list[Event]:
    """Up to `limit` events after position `after`, oldest first."""
    query = select(EVENTS).where(EVENTS.c.id > after).order_by(EVENTS.c.id).limit(limit)
    return [to_event(row) for row in connection.execute(query)]
