"""Partner record storage inside one session (adapter/persistence/partner_tables.py): load (locked or not), insert,
update under a version check, history, queue a message to the partner, find by the partner's reference or by the
match key, and list with filters and a cursor. The use cases (adapter/partners/service.py, inbound.py) call these
inside their own transaction, so a change, its history and its messages commit together or not at all."""

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from adapter.errors import DockingError
from adapter.masking import mask_document
from adapter.partners.spec import PartnerRecord
from adapter.persistence.partner_tables import PartnerEventRow, PartnerOutboxRow, PartnerRecordRow
from schemas.clock import from_db, to_utc
from schemas.partner import RECORD_PREFIX, PartnerEnvelope, PartnerKind


class PartnerRecordNotFound(DockingError):
    """No partner record with this id (the API maps it to 404; an inbound message about it is quarantined as
    `unknown_record`)."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"no partner record {record_id!r}; `docking partners list` shows the known ones")
        self.record_id = record_id


class StalePartnerRecord(DockingError):
    """The record changed since the version the caller read (optimistic concurrency; the API maps it to 412)."""

    def __init__(self, record_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"partner record {record_id} is at version {current}, not {expected}: it changed meanwhile; read it again"
        )
        self.record_id, self.expected, self.current = record_id, expected, current


def new_id(prefix: str) -> str:
    """`prefix` + 12 hex digits of milliseconds since the epoch + 8 random hex digits: ids sort by creation time
    (the list's cursor order) and two processes never make the same one."""
    return f"{prefix}{int(time.time() * 1000):012x}{os.urandom(4).hex()}"


def new_record_id(kind: PartnerKind | str) -> str:
    """A new record id of `kind`: "TR-…", "AR-…" or "RO-…" (schemas/partner.py RECORD_PREFIX)."""
    return new_id(RECORD_PREFIX[PartnerKind(kind)])


def facts_text(facts: Mapping[str, Any]) -> str:
    """Facts as stored: JSON (Decimal as text, times ISO 8601 with offset), keys sorted."""
    return json.dumps(to_jsonable_python(dict(facts)), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def view(row: PartnerRecordRow) -> PartnerRecord:
    """The read-only record a kind's pure functions see (facts opened from their sealed column)."""
    return PartnerRecord(
        record_id=row.record_id,
        kind=PartnerKind(row.kind),
        partner=row.partner,
        partner_ref=row.partner_ref,
        status=row.status,
        version=row.version,
        subject=row.subject,
        amount=row.amount,
        facts=json.loads(row.facts_json),
        case_id=row.case_id,
        opened_at=from_db(row.opened_at),
        updated_at=from_db(row.updated_at),
        closed_at=from_db(row.closed_at) if row.closed_at is not None else None,
    )


def find(session: Session, record_id: str, *, lock: bool = True) -> PartnerRecordRow | None:
    """The record, locked for update unless `lock` is False (PostgreSQL: writers of one record queue here)."""
    query = select(PartnerRecordRow).where(PartnerRecordRow.record_id == record_id)
    return session.exec(query.with_for_update() if lock else query).first()


def get(session: Session, record_id: str, *, version: int | None = None, lock: bool = True) -> PartnerRecordRow:
    """The record; PartnerRecordNotFound, or StalePartnerRecord when `version` is given and is not its own."""
    row = find(session, record_id, lock=lock)
    if row is None:
        raise PartnerRecordNotFound(record_id)
    if version is not None and row.version != version:
        raise StalePartnerRecord(record_id, version, row.version)
    return row


def find_by_ref(session: Session, partner: str, partner_ref: str, *, lock: bool = True) -> PartnerRecordRow | None:
    """The record a partner's own reference names (unique per partner), or None."""
    query = select(PartnerRecordRow).where(
        PartnerRecordRow.partner == partner, PartnerRecordRow.partner_ref == partner_ref
    )
    return session.exec(query.with_for_update() if lock else query).first()


def find_by_match_key(session: Session, keys: Sequence[str], *, kind: str | None = None) -> list[PartnerRecordRow]:
    """The records holding any of the blind-index `keys` (adapter/partners/match.py search_values), oldest first."""
    query = select(PartnerRecordRow).where(col(PartnerRecordRow.match_key).in_(list(keys)))
    if kind is not None:
        query = query.where(PartnerRecordRow.kind == kind)
    return list(session.exec(query.order_by(col(PartnerRecordRow.record_id))).all())


def insert(
    session: Session, *, record_id: str, kind: PartnerKind | str, partner: str, at: datetime, **columns: Any
) -> PartnerRecordRow:
    """A new record at version 1 with `columns` (status, facts_json, subject, amount, partner_ref, case_id,
    match_key, closed_at); flushed, so a second record under the same (partner, partner_ref) fails here with the
    database's IntegrityError."""
    at = to_utc(at)
    row = PartnerRecordRow(
        record_id=record_id, kind=PartnerKind(kind).value, partner=partner, opened_at=at, updated_at=at,
        **{"facts_json": "{}", **_checked(columns)},
    )  # fmt: skip
    session.add(row)
    session.flush()  # the row before its history and outbox: no ORM relationship orders the inserts
    return row


_SETTABLE = frozenset(
    {"status", "facts_json", "subject", "amount", "partner_ref", "case_id", "match_key", "match_json", "closed_at"}
)


def _checked(columns: dict[str, Any]) -> dict[str, Any]:
    unknown = set(columns) - _SETTABLE
    if unknown:
        raise ValueError(f"partner_records columns a change may not set: {', '.join(sorted(unknown))}")
    return columns


def update(session: Session, row: PartnerRecordRow, *, at: datetime, expected_version: int | None = None,
           **columns: Any) -> PartnerRecordRow:  # fmt: skip
    """Set `columns` (status, facts_json, subject, amount, partner_ref, case_id, match_key, closed_at) and raise the
    version by one; StalePartnerRecord (nothing changed) if `expected_version` is given and is not the row's."""
    if expected_version is not None and row.version != expected_version:
        raise StalePartnerRecord(row.record_id, expected_version, row.version)
    for name, value in _checked(columns).items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = to_utc(at)
    session.add(row)
    return row


@dataclass(frozen=True)
class HistoryLine:
    event: str | None
    note: str | None
    from_status: str
    to_status: str
    actor: str
    detail: str = ""


def add_history(session: Session, record_id: str, line: HistoryLine, at: datetime) -> None:
    """One history entry. Free text (a reason, a clerk's note) may hold a phone, card or account number: it is
    stored masked (adapter/masking.py mask_document), never in clear; an organisation's USCC is kept whole (a public
    code: keep_uscc), as the roster shows it."""
    session.add(
        PartnerEventRow(
            record_id=record_id,
            at=to_utc(at),
            event=line.event,
            note=line.note,
            from_status=line.from_status,
            to_status=line.to_status,
            actor=line.actor[:80],
            detail=mask_document(line.detail, keep_uscc=True),
        )
    )


def history(session: Session, record_id: str) -> list[PartnerEventRow]:
    """The record's history, oldest first."""
    query = select(PartnerEventRow).where(PartnerEventRow.record_id == record_id)
    return list(session.exec(query.order_by(col(PartnerEventRow.id))).all())


def enqueue(session: Session, envelope: PartnerEnvelope) -> PartnerOutboxRow:
    """Queue `envelope` for its partner in the caller's transaction (delivered by adapter/partners/delivery.py);
    the envelope must name its record."""
    if envelope.record_id is None:
        raise ValueError("a queued partner message names its record")
    at = to_utc(envelope.sent_at)
    row = PartnerOutboxRow(
        message_id=envelope.message_id,
        record_id=envelope.record_id,
        platform=envelope.partner,
        type=envelope.type,
        envelope_json=envelope.model_dump_json(),
        created_at=at,
        next_attempt_at=at,
        queued_at=at,
    )
    session.add(row)
    return row


def outbox(session: Session, record_id: str) -> list[PartnerOutboxRow]:
    """The record's messages to its partner, in order."""
    query = select(PartnerOutboxRow).where(PartnerOutboxRow.record_id == record_id)
    return list(session.exec(query.order_by(col(PartnerOutboxRow.id))).all())


def list_records(
    session: Session,
    *,
    kind: str | None = None,
    partner: str | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[PartnerRecordRow], str | None]:
    """Records by id (oldest first), filtered; `after` is the cursor a previous page returned. Returns the page and
    the next cursor (None on the last page). `limit` 1–500."""
    limit = max(1, min(limit, 500))
    query = select(PartnerRecordRow)
    for column, value in ((PartnerRecordRow.kind, kind), (PartnerRecordRow.partner, partner),
                          (PartnerRecordRow.status, status)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    if after:
        query = query.where(col(PartnerRecordRow.record_id) > after)
    rows = list(session.exec(query.order_by(col(PartnerRecordRow.record_id)).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].record_id if more and rows else None)
