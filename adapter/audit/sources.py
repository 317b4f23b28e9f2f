"""Which inserted rows make audit entries, and what each entry says: kind, subject, case, actor and content.

Content is ids, statuses, digests and the masked history text the row itself holds — never a sealed column in
clear: an outbound message queued is represented by the SHA-256 of its stored envelope (its delivery's entry,
adapter/outbox/record.py, by the digests of the signed bytes as sent and of the exchange), an inbound one by the
digest of its raw bytes as received (when the receiving code noted them, adapter/audit/append.py note_raw) and of
its canonical envelope, a quarantined item by the digest of its raw bytes.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapter.persistence.api_tables import ApiAuditRow
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintOutboxRow
from adapter.persistence.partner_tables import PartnerEventRow, PartnerOutboxRow
from adapter.persistence.tables import AuditRow, CaseEventRow, InboxRow, OutboxRow, QuarantineRow

_RAW = "audit_raw"  # session.info: {(platform, message_id): sha256 of the raw bytes}


@dataclass(frozen=True)
class Entry:
    kind: str
    subject: str
    case_id: str | None
    actor: str
    content: dict[str, Any]


def note_raw(info: dict[str, Any], platform: str, message_id: str, raw: bytes) -> None:
    info.setdefault(_RAW, {})[(platform, message_id)] = hashlib.sha256(raw).hexdigest()


def forget_raw(info: dict[str, Any]) -> None:
    info.pop(_RAW, None)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _history(kind: str, subject: str, case_id: str | None, row: Any) -> Entry:
    content = {"at": row.at, "from": row.from_status, "to": row.to_status, "detail": row.detail}
    return Entry(kind, subject, case_id, row.actor, content)


def case_history(fields: dict[str, Any]) -> Entry:
    """The entry of a case history row given as its columns (a bulk insert's: adapter/inbox/page_rows.py)."""
    content = {"at": fields["at"], "from": fields["from_status"], "to": fields["to_status"], "detail": fields["detail"]}
    case_id = fields["case_id"]
    return Entry(f"case.{fields['event']}", case_id, case_id, fields["actor"], content)


def _case_event(row: CaseEventRow, info: dict[str, Any]) -> Entry:
    return _history(f"case.{row.event}", row.case_id, row.case_id, row)


def _complaint_event(row: ComplaintEventRow, info: dict[str, Any]) -> Entry:
    return _history(f"complaint.{row.event}", row.complaint_id, None, row)


def _partner_event(row: PartnerEventRow, info: dict[str, Any]) -> Entry:
    name = row.event if row.event is not None else f"note.{row.note}"
    return _history(f"partner.{name}", row.record_id, None, row)


def _operator(row: AuditRow, info: dict[str, Any]) -> Entry:
    return Entry(f"op.{row.action}", row.subject, None, row.actor, {"at": row.at, "reason": row.reason})


def _api(row: ApiAuditRow, info: dict[str, Any]) -> Entry:
    content = {
        "at": row.at,
        "method": row.method,
        "path": row.path,
        "status_code": row.status_code,
        "idempotency_key": row.idempotency_key,
        "replayed": row.replayed,
    }
    return Entry("api.call", row.request_id, None, f"api:{row.client}", content)


def _inbound(row: InboxRow, info: dict[str, Any]) -> Entry:
    raw = info.get(_RAW, {}).get((row.platform, row.message_id))
    return inbound(row.platform, row.message_id, row.type, row.case_id, row.body_sha256, raw)


def inbound(
    platform: str, message_id: str, type: str, case_id: str | None, envelope_sha256: str | None, raw_sha256: str | None
) -> Entry:
    """The entry of an inbox row: the message applied, by the digests of its envelope and of its raw bytes."""
    content = {"platform": platform, "type": type, "envelope_sha256": envelope_sha256, "raw_sha256": raw_sha256}
    return Entry("inbound.applied", message_id, case_id, platform, content)


def _quarantined(row: QuarantineRow, info: dict[str, Any]) -> Entry:
    content = {"platform": row.platform, "feed": row.feed, "reason": row.reason, "raw_sha256": row.raw_sha256}
    subject = row.message_id or f"quarantine:{row.id}"
    return Entry("inbound.quarantined", subject, None, row.platform, content)


def _outbound(row: Any, info: dict[str, Any]) -> Entry:
    content = {"platform": row.platform, "type": row.type, "envelope_sha256": _sha(row.envelope_json)}
    case_id = getattr(row, "case_id", None)
    if case_id is not None:
        content["seq"] = row.seq
    subject_of = getattr(row, "record_id", None) or getattr(row, "complaint_id", None) or case_id
    content["about"] = subject_of
    return Entry("outbound.queued", row.message_id, case_id, "docking", content)


_SOURCES: dict[type, Callable[[Any, dict[str, Any]], Entry]] = {
    CaseEventRow: _case_event,
    ComplaintEventRow: _complaint_event,
    PartnerEventRow: _partner_event,
    AuditRow: _operator,
    ApiAuditRow: _api,
    InboxRow: _inbound,
    QuarantineRow: _quarantined,
    OutboxRow: _outbound,
    PartnerOutboxRow: _outbound,
    ComplaintOutboxRow: _outbound,
}


def entry_for(row: object, info: dict[str, Any]) -> Entry | None:
    """The entry an inserted `row` makes, or None for rows the chain does not record."""
    make = _SOURCES.get(type(row))
    return make(row, info) if make is not None else None
