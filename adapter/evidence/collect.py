"""Reading one case's evidence from the database into bundle files (layout.py names them).

What is read: the case row (ids and status only), its history rows, the inbox and outbox rows of the case with the
bytes exchanged (0020), the documents the case's agreement or messages name by SHA-256, and the audit entries about
the case (its case id, or one of its message ids as subject). Entries not yet in a signed checkpoint get one first
(`make_checkpoint`), so each entry ships with its inclusion proof. Raises CaseNotFound for an
unknown case, ConfigError when a checkpoint is needed and no [audit] keyring is configured.
"""

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from adapter.audit import seal
from adapter.audit.chain import canonical
from adapter.audit.checkpoint import checkpoint_of, inclusion, make_checkpoint, statement
from adapter.audit.settings import AuditSettings
from adapter.errors import CaseNotFound
from adapter.evidence.layout import ENTRIES, HISTORY, message_stem, safe
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow, DocumentRow, InboxRow, OutboxRow
from connectors.port import without_credentials
from schemas.clock import from_db

_SHA = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass(frozen=True)
class BundleFile:
    path: str
    data: bytes
    what: str


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str).encode()


def _at(value: datetime | None) -> str | None:
    return None if value is None else canonical(from_db(value)).decode().strip('"')


def collect(uow: UnitOfWork, audit: AuditSettings, case_id: str, now: datetime) -> list[BundleFile]:
    """Every file of `case_id`'s bundle but the keys, the manifest and the sums (module doc for errors)."""
    with uow.begin() as session:
        case = session.get(CaseRow, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        files = [BundleFile("case.json", _json(_case(case)), "the case: ids, platform, status")]
        files.append(BundleFile(HISTORY, _json(_history(session, case_id)), "the case's history, oldest first"))
        message_files, message_ids, texts = _messages(session, case_id)
        files += message_files
        files += _documents(session, [case.agreement_json or "", *texts])
        seqs = _entry_seqs(session, case_id, message_ids)
    if seqs and not _covered(uow, seqs[-1]):
        make_checkpoint(uow, seal.signer(audit, now), now)
    with uow.begin() as session:
        files += _audit(session, seqs)
    return files


def _case(case: CaseRow) -> dict[str, Any]:
    names = ("id", "platform", "platform_case_id", "case_number", "court_code", "flow", "procedure", "status")
    return {name: getattr(case, name) for name in names}


def _history(session: Session, case_id: str) -> list[dict[str, Any]]:
    rows = session.exec(select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(col(CaseEventRow.id)))
    return [{"event": r.event, "at": _at(r.at), "from": r.from_status, "to": r.to_status, "actor": r.actor,
             "detail": r.detail} for r in rows]  # fmt: skip


def _messages(session: Session, case_id: str) -> tuple[list[BundleFile], list[str], list[str]]:
    inbound = session.exec(select(InboxRow).where(InboxRow.case_id == case_id).order_by(col(InboxRow.id))).all()
    outbound = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(col(OutboxRow.id))).all()
    timed: list[tuple[datetime, int, str, str, list[tuple[str, bytes, str]]]] = []  # when, order, id, in|out, files
    for r in inbound:
        if r.raw is not None:
            what = f"inbound {r.type} {r.message_id} from {r.platform}"
            kept = [
                ("body", r.raw, f"{what}: the bytes as received"),
                ("headers.json", _signature_headers(r.raw_headers_json), f"{what}: the court's signature headers"),
            ]
            timed.append((from_db(r.received_at), len(timed), r.message_id, "in", kept))  # fmt: skip
    for o in outbound:
        if o.wire_body is not None:
            what = f"outbound {o.type} {o.message_id} to {o.platform}"
            kept = [("body", o.wire_body, f"{what}: the signed bytes as sent"),
                    ("exchange.json", (o.wire_json or "{}").encode(),
                     f"{what}: method, URL, our signature headers and the court's answer")]  # fmt: skip
            timed.append((from_db(o.delivered_at or o.created_at), len(timed), o.message_id, "out", kept))
    files: list[BundleFile] = []
    for n, (_, _, message_id, direction, kept) in enumerate(sorted(timed, key=lambda t: (t[0], t[1])), start=1):
        stem = message_stem(n, direction, message_id)
        files += [BundleFile(f"{stem}.{suffix}", data, what) for suffix, data, what in kept]
    texts = [o.envelope_json for o in outbound]
    return files, [r.message_id for r in inbound] + [r.message_id for r in outbound], texts


def _documents(session: Session, texts: list[str]) -> list[BundleFile]:
    named = sorted({digest for text in texts for digest in _SHA.findall(text)})
    rows = session.exec(select(DocumentRow).where(col(DocumentRow.sha256).in_(named))).all() if named else []
    return [BundleFile(f"documents/{r.sha256[:16]}-{safe(r.name)}", r.content, f"document {r.name} as kept")
            for r in rows]  # fmt: skip


def _entry_seqs(session: Session, case_id: str, message_ids: list[str]) -> list[int]:
    about = or_(AuditEntryRow.case_id == case_id, col(AuditEntryRow.subject).in_(message_ids or [""]))
    return list(session.exec(select(AuditEntryRow.seq).where(about).order_by(col(AuditEntryRow.seq))).all())


def _covered(uow: UnitOfWork, seq: int) -> bool:
    with uow.begin() as session:
        return checkpoint_of(session.connection(), seq) is not None


def _audit(session: Session, seqs: list[int]) -> list[BundleFile]:
    rows = session.exec(select(AuditEntryRow).where(col(AuditEntryRow.seq).in_(seqs or [0])).order_by(
        col(AuditEntryRow.seq))).all()  # fmt: skip
    entries = [{"seq": r.seq, "at": _at(r.at), "kind": r.kind, "subject": r.subject, "case_id": r.case_id,
                "actor": r.actor, "alg": r.alg, "digest": r.digest, "content_json": r.content_json,
                "prev_hash": r.prev_hash, "entry_hash": r.entry_hash} for r in rows]  # fmt: skip
    files = [BundleFile(ENTRIES, _json(entries), "the case's audit entries: fields, content and hashes")]
    checkpoints: dict[int, dict[str, Any]] = {}
    for r in rows:
        proof = inclusion(session, r.seq)
        cp = checkpoint_of(session.connection(), r.seq)
        assert cp is not None  # inclusion() refuses an entry in no checkpoint
        proof["checkpoint_id"] = cp.id
        checkpoints.setdefault(cp.id, proof["checkpoint"])
        files.append(BundleFile(f"audit/proofs/{r.seq}.json", _json(proof), f"inclusion proof of entry {r.seq}"))
    for cp_id, fields in sorted(checkpoints.items()):
        stem = f"audit/checkpoints/{cp_id}"
        files.append(BundleFile(f"{stem}.json", _json(fields), f"checkpoint {cp_id}: its signed fields"))
        files.append(BundleFile(f"{stem}.statement", statement(fields), f"checkpoint {cp_id}: the exact bytes signed"))
        sig = base64.b64decode(fields["signature"])
        files.append(BundleFile(f"{stem}.sig", sig, f"checkpoint {cp_id}: its signature ({fields['algorithm']})"))
    return files


def _signature_headers(stored: str | None) -> bytes:
    """An inbound message's headers as kept, less any credential a row from before intake dropped them still holds
    (connectors/port.py without_credentials): a bundle leaves the adapter."""
    headers = json.loads(stored or "{}")
    kept = without_credentials({str(k): str(v) for k, v in headers.items()})
    return (stored or "{}").encode() if len(kept) == len(headers) else json.dumps(kept, ensure_ascii=False).encode()
