"""The audit chain (adapter/audit/): one row per entry, hash-linked, and the signed checkpoints over it.

Kept apart from tables.py (a sibling of event_tables.py): only adapter/audit/ writes them, appending; nothing
updates or deletes a row (`docking audit verify` would name it). No personal data: content holds ids, statuses,
digests and the masked history text the source rows already hold.
"""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class AuditEntryRow(SQLModel, table=True):
    """One entry: seq is the chain's order (1, 2, 3, … without gaps), written under the chain's lock."""

    __tablename__ = "audit_chain"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime  # UTC, when appended
    kind: str = Field(max_length=48)  # e.g. case.accept, inbound.applied, outbound.delivered, op.replay, key.rotate
    subject: str = Field(max_length=128)  # the case, record, complaint or message id the entry is about
    case_id: str | None = Field(default=None, index=True, max_length=40)  # for a case's evidence bundle
    actor: str = Field(max_length=80)
    alg: str = Field(max_length=8)  # sha256 | sm3
    digest: str = Field(max_length=64)  # H(canonical(content))
    content_json: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


class AuditCheckpointRow(SQLModel, table=True):
    """A signed Merkle root over entries first_seq..last_seq (the ones since the previous checkpoint)."""

    __tablename__ = "audit_checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    first_seq: int = Field(unique=True)
    last_seq: int
    alg: str = Field(max_length=8)
    root: str = Field(max_length=64)
    last_entry_hash: str = Field(max_length=64)
    at: datetime
    key_id: str = Field(max_length=64)
    algorithm: str = Field(max_length=16)  # EdDSA | ES256 | SM2
    signature: str = Field(sa_column=Column(Text, nullable=False))  # base64 over the checkpoint's statement
