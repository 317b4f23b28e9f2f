"""Table rows of the HTTP API (api/): its clients, the answers kept for Idempotency-Key retries, its audit trail.

Kept apart from tables.py because only the API writes them; the core never reads them.
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class ApiClientRow(SQLModel, table=True):
    """One API client: a name, one role, and the SHA-256 of its key (the key itself is shown once, never kept)."""

    __tablename__ = "api_clients"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=80)  # centre | ops | admin | court:<platform>
    key_sha256: str = Field(unique=True, max_length=64)
    key_prefix: str = Field(max_length=16)  # the key's first characters, to tell keys apart in a listing
    created_at: datetime
    revoked_at: datetime | None = None


class ApiIdempotencyRow(SQLModel, table=True):
    """The first answer to a POST under one client's Idempotency-Key, written in the action's own transaction."""

    __tablename__ = "api_idempotency"

    client: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=128)
    request_sha256: str = Field(max_length=64)  # method, path and the parsed body (api/idempotency.py)
    status_code: int
    response_json: str = Field(sa_column=Column(Text, nullable=False))  # ids and statuses only, no personal data
    etag: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(index=True)


class ApiAuditRow(SQLModel, table=True):
    """Every state-changing API call: who, when (UTC), which request, what it asked, how it ended. Never updated."""

    __tablename__ = "api_audit"
    __table_args__ = (Index("ix_api_audit_client_at", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    client: str = Field(max_length=64)  # a known client (calls of none are logged, not recorded: api/middleware.py)
    request_id: str = Field(max_length=64)
    method: str = Field(max_length=8)
    path: str = Field(max_length=512)
    status_code: int
    idempotency_key: str | None = Field(default=None, max_length=128)
    replayed: bool = False  # answered from the stored first answer, nothing done again
