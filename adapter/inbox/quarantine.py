"""Acting on quarantined messages: reprocess one through the normal ingest path, or resolve it with a note.

A message is quarantined because something about it could not be trusted or applied *then* — a court key not yet
configured, a code our tables lacked, a decision whose case had not arrived. Once that is fixed, `reprocess` runs
the kept bytes through `adapter.inbox.ingest.ingest_item` again — verify with today's keys, decode with today's code
tables, drop it if the inbox already has it, apply — so it is applied at most once however often it is
reprocessed. The row records the outcome in the same transaction; `resolve` closes a row a person has dealt with
otherwise. Who, when and why go to the row and to the audit table.

    open ──reprocess──▶ reprocessed   (applied now, or already applied: nothing changed)
      │  └─reprocess──▶ open          (still refused: reason and detail are the new ones)
      └────resolve────▶ resolved      (note kept)
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from adapter.errors import InvalidRequest
from adapter.inbox.ingest import ingest_item
from adapter.inbox.item_outcome import Ingested, Outcome
from adapter.masking import mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, QuarantineRow, QuarantineStatus
from adapter.platforms.registry import Platforms
from connectors.port import RawInbound, without_credentials
from schemas.clock import Clock, china_text, from_db, to_utc

STATUSES = tuple(QuarantineStatus)


@dataclass(frozen=True)
class Reprocessed:
    quarantine_id: int
    result: Ingested
    summary: str  # e.g. "applied to case MC-…", "already applied …", "still refused: unknown_key: …"


def load(uow: UnitOfWork, quarantine_id: int) -> QuarantineRow:
    with uow.begin() as session:
        row = session.get(QuarantineRow, quarantine_id)
    if row is None:
        raise InvalidRequest(f"no quarantined message {quarantine_id}; `docking quarantine list` shows them")
    return row


def split_headers(row: QuarantineRow) -> tuple[dict[str, str], str]:
    """The headers as the platform sent them, and the feed position stored beside them (adapter/inbox/ingest.py);
    never a credential a row kept before they were dropped at intake (connectors/port.py without_credentials)."""
    stored = json.loads(row.headers_json or "{}")
    position = str(stored.pop("position", "") or "")
    return without_credentials({str(k): str(v) for k, v in stored.items()}), position


def open_ids(uow: UnitOfWork, *, reason: str, platform: str | None) -> list[int]:
    """The open rows with `reason` (of `platform`), oldest first — a dispatch before the decisions about it."""
    with uow.begin() as session:
        query = select(QuarantineRow.id).where(
            QuarantineRow.status == QuarantineStatus.OPEN, QuarantineRow.reason == reason
        )
        if platform:
            query = query.where(QuarantineRow.platform == platform)
        return [i for i in session.exec(query.order_by(col(QuarantineRow.id))).all() if i is not None]


def reprocess(
    uow: UnitOfWork, platforms: Platforms, quarantine_id: int, *, actor: str, note: str, clock: Clock
) -> Reprocessed:
    """Run one kept message through the normal ingest path again; see the module docstring."""
    row = load(uow, quarantine_id)
    if row.status == QuarantineStatus.RESOLVED:
        raise InvalidRequest(
            f"quarantined message {quarantine_id} was resolved by {row.handled_by} at "
            f"{china_text(row.handled_at) if row.handled_at else '?'}; nothing to reprocess"
        )
    link = platforms.get(row.platform)
    if row.feed == "complaints":  # a complaint desk's item (adapter/complaints/reprocess.py), not a court's
        raise InvalidRequest(
            f"quarantined message {quarantine_id} came from complaint desk {row.platform!r}: "
            f"`docking complaints reprocess {quarantine_id} --desk {row.platform}` reprocesses it"
        )
    if link is None:
        raise InvalidRequest(
            f"quarantined message {quarantine_id} came from platform {row.platform!r}, which is not configured "
            f"(configured: {', '.join(platforms) or 'none'})"
        )
    headers, position = split_headers(row)
    item = RawInbound(body=row.raw, headers=headers, position=position)
    results: list[Reprocessed] = []

    def settle(session: Session, outcome: Outcome) -> None:
        results.append(_mark(session, quarantine_id, outcome, actor=actor, note=note, at=clock()))

    ingest_item(uow, link, row.feed, item, clock, received_at=from_db(row.received_at), settle=settle)
    # The last settle is the one that committed: one whose transaction the database then refused (e.g. a value it
    # cannot store) is followed by the quarantine outcome that replaced it.
    return results[-1]


def resolve(uow: UnitOfWork, quarantine_id: int, *, actor: str, note: str, now: datetime) -> QuarantineRow:
    """An operator closes an open row (dealt with outside the adapter, or not worth applying); the note is kept."""
    if not note.strip():
        raise InvalidRequest("resolving needs a note (--note): what was done, for whoever looks next")
    with uow.begin() as session:
        row = session.exec(select(QuarantineRow).where(QuarantineRow.id == quarantine_id).with_for_update()).first()
        if row is None:
            raise InvalidRequest(f"no quarantined message {quarantine_id}; `docking quarantine list` shows them")
        if row.status != QuarantineStatus.OPEN:
            raise InvalidRequest(
                f"quarantined message {quarantine_id} is already {row.status} (by {row.handled_by} at "
                f"{china_text(row.handled_at) if row.handled_at else '?'}): {row.outcome or row.note}"
            )
        row.status, row.handled_by, row.handled_at, row.note = QuarantineStatus.RESOLVED, actor, to_utc(now), note
        session.add(row)
        session.add(
            AuditRow(at=to_utc(now), actor=actor, action="quarantine-resolve", subject=_subject(row), reason=note)
        )
        return row


def _mark(
    session: Session, quarantine_id: int, outcome: Outcome, *, actor: str, note: str, at: datetime
) -> Reprocessed:
    row = session.get(QuarantineRow, quarantine_id)
    assert row is not None  # it was loaded a moment ago and rows are never deleted while open
    if outcome.result is Ingested.APPLIED:
        summary = f"applied to case {outcome.case_id} (message {outcome.message_id})"
        row.status = QuarantineStatus.REPROCESSED
    elif outcome.result is Ingested.DUPLICATE:
        summary = f"already applied (message {outcome.message_id}): nothing changed"
        row.status = QuarantineStatus.REPROCESSED
    else:
        summary = f"still refused: {outcome.reason}: {mask_text(outcome.detail)[:300]}"
        row.reason, row.detail = outcome.reason, outcome.detail
    row.outcome, row.handled_by, row.handled_at = summary, actor, to_utc(at)
    if note:
        row.note = note
    session.add(row)
    reason = summary + (f"; note: {note}" if note else "")
    session.add(
        AuditRow(at=to_utc(at), actor=actor, action="quarantine-reprocess", subject=_subject(row), reason=reason)
    )
    return Reprocessed(quarantine_id, outcome.result, summary)


def _subject(row: QuarantineRow) -> str:
    return f"quarantine:{row.id}" + (f" {row.message_id}" if row.message_id else "")
