"""The agreement document in outbound messages: kept once, by digest, and attached only when a message is sent.

The signed PDF (up to 5 MB) is stored once, sealed, in the document store (adapter/persistence/tables.py
DocumentRow, keyed by its SHA-256 — the digest the agreement itself names, `document_sha256`). An outbox row of
an agreement or a JC application keeps its envelope without the document (`stored_form`, written by
adapter/persistence/repository.py `enqueue`): the agreement in it names the document by that digest. The delivery
claim (adapter/outbox/delivery.py `claim`) puts the document back (`attach`) for the attempt, so what crosses the
connector port is the full canonical envelope and the court receives the whole document, as before.

So a flow-A case holds its document once, not three times (document row, agreement message, JC message), and data-key
rotation (adapter/persistence/reseal.py) rotates it with the document row. Re-sends of every kind — retries, an
operator's replay, a reconciliation repair (adapter/outbox/requeue.py) — keep the stored row unchanged and are
attached afresh. Rows written before this (an envelope that still holds its `document_b64`) are sent as they are.

A document sealed under a data key this process lacks raises VaultError, as an unreadable envelope does: the
claim leaves the row pending for a process that holds the key (adapter/outbox/delivery.py module doc).
"""

import base64
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import LargeBinary, type_coerce
from sqlmodel import Session, col, select

from adapter.persistence.tables import DocumentRow
from adapter.persistence.vault import Vault, open_blob
from schemas.enums import MessageType
from schemas.envelope import Envelope

# The bodies that carry the agreement document, and the field it travels in (schemas/envelope.py).
_WITH_DOCUMENT = frozenset({MessageType.AGREEMENT.value, MessageType.JC_APPLICATION.value})
_FIELD = "document_b64"
_WITHOUT_DOCUMENT: dict[str, Any] = {"body": {_FIELD}}


def stored_form(envelope: Envelope) -> str:
    """The envelope as an outbox row keeps it: the JSON of the canonical envelope without the document's bytes,
    which its agreement names by digest (`agreement.document_sha256`)."""
    if envelope.type.value not in _WITH_DOCUMENT:
        return envelope.model_dump_json()
    return envelope.model_dump_json(exclude=_WITHOUT_DOCUMENT)


def attach(session: Session, message_type: str, stored: str, vault: Vault | None) -> str:
    """The envelope JSON of an outbox row (opened) ready to send: for an agreement or a JC application, with its
    document read from the document store; anything else, and a row that already holds its document, unchanged.
    A stored text that is not such an envelope is left for the send to refuse, as before."""

    def stored_document(digest: str) -> bytes | None:
        raw = session.exec(
            select(type_coerce(col(DocumentRow.content), LargeBinary)).where(col(DocumentRow.sha256) == digest)
        ).first()
        return None if raw is None else open_blob(raw, vault)

    return attach_from(message_type, stored, stored_document)


def attach_from(message_type: str, stored: str, document: Callable[[str], bytes | None]) -> str:
    """`attach` over any document store: `document(sha256)` gives the bytes, or None when it holds none (so the
    in-memory case store, adapter/testing/fake_store.py, hands out what the delivery claim would send)."""
    if message_type not in _WITH_DOCUMENT:
        return stored  # most messages: nothing to attach, nothing parsed here
    try:
        envelope = json.loads(stored)
        body = envelope["body"]
        digest = body["agreement"]["document_sha256"]
    except (ValueError, TypeError, KeyError):
        return stored
    if not isinstance(body, dict) or _FIELD in body or not isinstance(digest, str):
        return stored
    content = document(digest)
    if content is None:
        return stored  # not in the store (submit_agreement stores it first): like any corrupt row, retried, then dead
    body[_FIELD] = base64.b64encode(content).decode("ascii")
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
