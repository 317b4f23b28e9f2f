"""Alert conditions: `change` opens or clears a condition in the caller's transaction and writes one alert only
when its state changes — so a condition that persists (a breaker that stays open, dead letters that pile up) is
announced once when it starts and once when it clears, however many causes repeat it.

Race-free across processes without a lock: a conditional UPDATE (… WHERE open = false / true) or an INSERT that
ignores a conflict decides which writer changed the state; only that one writes the alert. Rows are written with
the cause (a dead letter's record, a quarantine's insert), so a cause rolled back leaves no alert.
"""

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapter.alerts.kinds import ONE_SHOT, AlertKind, title
from adapter.masking import mask_text
from adapter.persistence.ops_tables import AlertConditionRow, AlertRow
from adapter.persistence.tables import OutboxStatus
from schemas.clock import to_utc

CONDITIONS = AlertConditionRow.__table__  # type: ignore[attr-defined]
ALERTS = AlertRow.__table__  # type: ignore[attr-defined]


def change(
    connection: Connection, kind: AlertKind, subject: str, *, opened: bool, at: datetime, detail: str = ""
) -> str | None:
    """Open (`opened`) or clear the condition (kind, subject); returns the alert id written, or None when the state
    was already so. A one-shot kind opens once per subject and is never left open (it does not clear)."""
    when, c = to_utc(at), CONDITIONS
    detail = mask_text(detail)[:2000]
    key = (c.c.kind == kind.value) & (c.c.subject == subject)
    if kind in ONE_SHOT:  # announced once per subject: its row, left closed, is the memory of it
        changed = _insert_new(connection, kind, subject, when, detail, open_=False) if opened else 0
    elif opened:
        changed = connection.execute(
            update(c).where(key, c.c.open.is_(False)).values(open=True, since=when, detail=detail)
        ).rowcount
        if not changed:
            changed = _insert_new(connection, kind, subject, when, detail, open_=True)
    else:
        changed = connection.execute(update(c).where(key, c.c.open.is_(True)).values(open=False, since=when)).rowcount
    if not changed:
        return None
    return _alert(connection, kind, subject, "opened" if opened else "closed", when, detail)


def open_subjects(connection: Connection, kind: AlertKind) -> set[str]:
    """The subjects of `kind` open now (for the evaluator's clearing, adapter/alerts/evaluate.py)."""
    c = CONDITIONS
    return set(connection.execute(select(c.c.subject).where(c.c.kind == kind.value, c.c.open.is_(True))).scalars())


def _insert_new(connection: Connection, kind: AlertKind, subject: str, when: datetime, detail: str, open_: bool) -> int:
    values = {"kind": kind.value, "subject": subject, "open": open_, "since": when, "detail": detail}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement: Any = dialect.insert(CONDITIONS).values(**values).on_conflict_do_nothing().returning(CONDITIONS.c.kind)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING
    return len(connection.execute(statement).all())


def _alert(connection: Connection, kind: AlertKind, subject: str, state: str, when: datetime, detail: str) -> str:
    alert_id = "alt_" + uuid.uuid4().hex
    data = {"title": title(kind, subject, state == "opened"), "detail": detail}
    connection.execute(
        insert(ALERTS).values(
            alert_id=alert_id,
            kind=kind.value,
            subject=subject,
            topic=f"{kind.value}:{subject}"[:170],
            state=state,
            at=when,
            data_json=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=when,
            queued_at=when,
        )
    )
    return alert_id
