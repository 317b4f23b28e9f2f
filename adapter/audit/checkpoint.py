"""Signed checkpoints over the chain, and inclusion proofs of one entry in its checkpoint.

A checkpoint covers the entries since the previous one (first_seq..last_seq): their Merkle root (merkle.py, leaves
the entries' hashes) and the last entry's hash, in a statement the centre's audit key signs (seal.py). Anyone with
the public key can then check an entry offline: its hash, the audit path to the root, the signature — what a case's
evidence bundle will carry (`inclusion`, `verify_inclusion_proof`).
"""

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from adapter.audit import merkle, seal
from adapter.audit.chain import canonical, hasher
from adapter.errors import InvalidRequest
from adapter.persistence.audit_tables import AuditCheckpointRow, AuditEntryRow
from adapter.persistence.engine import UnitOfWork

CHECKPOINT_LOCK = 0x617564697470  # pg_advisory_xact_lock key: one checkpoint writer at a time
STATEMENT_TYPE = "docking-audit-checkpoint/1"
_ENTRIES = AuditEntryRow.__table__  # type: ignore[attr-defined]
_CHECKPOINTS = AuditCheckpointRow.__table__  # type: ignore[attr-defined]


def statement(cp: Any) -> bytes:
    """The bytes signed: canonical JSON of the checkpoint's fields (a row, or a proof's "checkpoint" object)."""
    get = cp.get if isinstance(cp, dict) else lambda name: getattr(cp, name)
    return canonical(
        {
            "type": STATEMENT_TYPE,
            "first_seq": get("first_seq"),
            "last_seq": get("last_seq"),
            "alg": get("alg"),
            "root": get("root"),
            "last_entry_hash": get("last_entry_hash"),
            "at": get("at"),
            "key_id": get("key_id"),
        }
    )


def leaves(alg: str, entry_hashes: list[str]) -> list[bytes]:
    h = hasher(alg)
    return [merkle.leaf_hash(h, bytes.fromhex(e)) for e in entry_hashes]


def _hashes(connection: Connection, first: int, last: int | None = None) -> list[tuple[int, str, str]]:
    query = select(_ENTRIES.c.seq, _ENTRIES.c.entry_hash, _ENTRIES.c.alg).where(_ENTRIES.c.seq >= first)
    if last is not None:
        query = query.where(_ENTRIES.c.seq <= last)
    return [(r[0], r[1], r[2]) for r in connection.execute(query.order_by(_ENTRIES.c.seq))]


def make_checkpoint(uow: UnitOfWork, signer: seal.Signer, now: datetime | None = None) -> AuditCheckpointRow | None:
    """Sign a checkpoint over the entries since the last one; None when there are none. Committed entries are
    always a gap-free prefix (append.py's lock), so reading them needs no chain lock; two checkpoint writers are
    kept apart by CHECKPOINT_LOCK (PostgreSQL) or the write lock (SQLite) and the unique first_seq."""
    with uow.begin() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({CHECKPOINT_LOCK})"))
        last = connection.execute(select(_CHECKPOINTS.c.last_seq).order_by(_CHECKPOINTS.c.last_seq.desc())).first()
        first = (last[0] if last is not None else 0) + 1
        entries = _hashes(connection, first)
        if not entries:
            return None
        alg = entries[-1][2]
        root = merkle.root(hasher(alg), leaves(alg, [e[1] for e in entries]))
        row = AuditCheckpointRow(
            first_seq=first,
            last_seq=entries[-1][0],
            alg=alg,
            root=root.hex(),
            last_entry_hash=entries[-1][1],
            at=now or datetime.now(UTC),
            key_id=signer.key_id,
            algorithm=signer.algorithm,
            signature="",
        )
        row.signature = base64.b64encode(signer.sign(statement(row))).decode()
        session.add(row)
    return row


def checkpoint_of(connection: Connection, seq: int) -> Any | None:
    """The checkpoint row (core) whose range holds entry `seq`, or None."""
    query = select(_CHECKPOINTS).where(_CHECKPOINTS.c.first_seq <= seq, _CHECKPOINTS.c.last_seq >= seq)
    return connection.execute(query).first()


def inclusion(session: Session, seq: int) -> dict[str, Any]:
    """A self-contained proof that entry `seq` is in its signed checkpoint: the entry's hash, its index and the
    tree's size, the audit path (hex, leaf upward) and the checkpoint (statement fields, algorithm, signature).
    InvalidRequest (field seq) when the entry is in no checkpoint yet."""
    connection = session.connection()
    cp = checkpoint_of(connection, seq)
    if cp is None:
        raise InvalidRequest(f"entry {seq} is in no checkpoint yet: run `docking audit checkpoint`", field="seq")
    entries = _hashes(connection, cp.first_seq, cp.last_seq)
    index = seq - cp.first_seq
    path = merkle.inclusion_proof(hasher(cp.alg), leaves(cp.alg, [e[1] for e in entries]), index)
    fields = {n: getattr(cp, n) for n in ("first_seq", "last_seq", "alg", "root", "last_entry_hash", "key_id")}
    return {
        "seq": seq,
        "entry_hash": entries[index][1],
        "index": index,
        "size": len(entries),
        "path": [p.hex() for p in path],
        "checkpoint": {
            **fields,
            "at": canonical(cp.at).decode().strip('"'),
            "algorithm": cp.algorithm,
            "signature": cp.signature,
        },
    }


def verify_inclusion_proof(proof: dict[str, Any], public_key: Any) -> bool:
    """True when `proof` (from `inclusion`) holds: the checkpoint's signature under `public_key`, and the entry's
    audit path leading to the signed root. Needs nothing but the proof and the public key."""
    cp = proof["checkpoint"]
    if not seal.verify(cp["algorithm"], public_key, statement(cp), base64.b64decode(cp["signature"])):
        return False
    h = hasher(cp["alg"])
    leaf = merkle.leaf_hash(h, bytes.fromhex(proof["entry_hash"]))
    path = [bytes.fromhex(p) for p in proof["path"]]
    return merkle.verify_inclusion(h, leaf, proof["index"], proof["size"], path, bytes.fromhex(cp["root"]))
