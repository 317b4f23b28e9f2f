"""An outgoing message as an operator may read it (`docking outbox show`, the console's message page): personal
numbers masked, embedded documents given by size and digest only."""

import base64
import binascii
import hashlib
import json
from typing import Any

from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_fields, mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow, OutboxRow, OutboxStatus


def load_message(uow: UnitOfWork, message_id: str) -> tuple[OutboxRow, list[AuditRow]]:
    """One outgoing message and its audit trail (replays, repairs), oldest first; InvalidRequest if unknown."""
    with uow.begin() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.message_id == message_id)).first()
        if row is None:
            raise InvalidRequest(f"no outgoing message {message_id!r}")
        audit = session.exec(select(AuditRow).where(AuditRow.subject == message_id).order_by(col(AuditRow.id))).all()
    return row, list(audit)


def listing(m: OutboxRow) -> dict[str, Any]:
    """A message's row in a listing (`docking outbox list`, the console's outbox): ids, platform, type, status,
    attempts, the next attempt (pending ones only: a delivered one has none), delivered_at, the error masked."""
    return {
        "id": m.id,
        "message_id": m.message_id,
        "case_id": m.case_id,
        "platform": m.platform,
        "type": m.type,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at if m.status == OutboxStatus.PENDING else None,
        "delivered_at": m.delivered_at,
        "last_error": mask_text(m.last_error or ""),
    }


def masked_payload(envelope_json: str) -> str:
    """The stored envelope as indented JSON text: the sealed fields (`id_number`, `phone`) masked by name whatever
    their form (an unrecognised phone is kept as written otherwise), then anything ID-, USCC-, phone- or
    account-shaped elsewhere; documents by size and SHA-256 (`without_documents`)."""
    payload = without_documents(mask_fields(json.loads(envelope_json)))
    return mask_document(json.dumps(payload, ensure_ascii=False, indent=2))


def without_documents(value: Any) -> Any:
    """The payload with every embedded document (a `*_b64` field: the signed agreement) replaced by its size and
    SHA-256 — the digest is what the court and the attestation name; the bytes name the parties."""
    if isinstance(value, dict):
        return {k: _document(v) if k.endswith("_b64") else without_documents(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_documents(v) for v in value]
    return value


def _document(value: Any) -> Any:
    if not isinstance(value, str):
        return without_documents(value)
    try:
        content = base64.b64decode(value, validate=True)
    except binascii.Error:
        return f"(not shown: {len(value)} characters, not valid base64)"
    return f"(document not shown: {len(content)} bytes, SHA-256 {hashlib.sha256(content).hexdigest()})"
