"""API clients and their keys: create (the key is shown once), list, revoke, and find the caller by its key.

A key is 32 random bytes (256 bits, `secrets.token_urlsafe`) behind a `dk_` prefix. Only its SHA-256 is stored.
A slow password hash (argon2, bcrypt, scrypt) exists to make guessing a *low-entropy* secret expensive; a key of
256 random bits cannot be guessed at any speed, so a fast hash protects it as well, costs microseconds instead of
tens of milliseconds on every request, and lets the key be found by its digest with one indexed lookup (no
per-row verification loop, and nothing an attacker can time: they cannot choose digests).
"""

import hashlib
import os
import re
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, bindparam
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from adapter.errors import InvalidRequest
from adapter.persistence.api_tables import ApiClientRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sqlite_file import database_file
from adapter.persistence.tables import AuditRow
from schemas.clock import to_utc

KEY_PREFIX = "dk_"
ROLES = ("centre", "ops", "admin")  # and court:<platform>, desk:<platform>, partner:<partner>
# Roles bound to one platform: a court (its cases, its push intake), an institution's complaint desk (its push) or
# a docking partner in push mode (its push, api/partner_push.py).
PLATFORM_KINDS = ("court", "desk", "partner")
_CLIENTS: Table = ApiClientRow.__table__  # type: ignore[attr-defined]
# Every request looks its key up: a statement built once (compiled form and cache key kept), Core rows, no entity
# loading — the ORM version cost a third of a millisecond per request (bench/api.py, #16).
_BY_DIGEST = select(_CLIENTS.c.name, _CLIENTS.c.role, _CLIENTS.c.revoked_at).where(
    _CLIENTS.c.key_sha256 == bindparam("digest")
)
# The same statement as SQLite text, for the per-request lookup on the read-only SQLite connection (api/access.py).
_BY_DIGEST_SQLITE = str(_BY_DIGEST.compile(dialect=sqlite.dialect()))
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")  # ≤ 48: "api:<name>" must fit a history actor (64)


@dataclass(frozen=True)
class Role:
    """One client's role: `kind` is centre, ops, admin, court or desk; `platform` only for court and desk."""

    kind: str
    platform: str | None = None

    @classmethod
    def parse(
        cls,
        text: str,
        platforms: frozenset[str] | None = None,
        desks: frozenset[str] | None = None,
        partners: frozenset[str] | None = None,
        *,
        client: str | None = None,
    ) -> "Role":
        """`centre`, `ops`, `admin`, `court:<platform>`, `desk:<desk>` or `partner:<partner>`; InvalidRequest naming
        the forms otherwise, and — when the configured court platforms, desks or partners are given — for a role
        naming one of its kind that is not configured (`client`, the API client's name, said in the error with
        what to do). None of them given: any name (a stored role read back, api/access.py)."""
        text = text.strip()
        if text in ROLES:
            return cls(text)
        kind, _, platform = text.partition(":")
        if kind not in PLATFORM_KINDS or not platform:
            raise InvalidRequest(
                f"role {text!r} is not one of centre, ops, admin, court:<platform>, desk:<desk>, partner:<partner>"
            )
        configured = {"court": platforms, "desk": desks, "partner": partners}[kind]
        if configured is not None and platform not in configured:
            known = ", ".join(sorted(configured)) or "none"
            where = {"court": "platform", "desk": "desk ([desks.<name>])", "partner": "partner"}[kind]
            who = f"API client {client!r}: " if client else ""
            section = {"court": "platforms", "desk": "desks", "partner": "partners"}[kind]
            raise InvalidRequest(
                f"{who}role {text!r} names {where} {platform!r}, which is not configured ({known}); "
                f"add [{section}.{platform}] to the configuration first, or give a role naming one configured",
                field="role",
                rule=f"unknown_{kind}",
            )
        return cls(kind, platform)

    def __str__(self) -> str:
        return f"{self.kind}:{self.platform}" if self.kind in PLATFORM_KINDS else self.kind


@dataclass(frozen=True)
class Client:
    """The authenticated caller of one request."""

    name: str
    role: Role


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_client(uow: UnitOfWork, name: str, role: Role, now: datetime, *, actor: str = "operator") -> str:
    """Create a client; returns its key, which exists nowhere else from here on. Who made it, and when, goes to
    the audit table (`api-client-add`)."""
    if not _NAME.match(name):
        raise InvalidRequest(
            f"client name {name!r}: 1–48 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    key = new_key()
    row = ApiClientRow(
        name=name, role=str(role), key_sha256=key_digest(key), key_prefix=key[:10], created_at=to_utc(now)
    )
    try:
        with uow.begin() as session:
            if session.exec(select(ApiClientRow).where(ApiClientRow.name == name)).first() is not None:
                raise InvalidRequest(f"a client named {name!r} exists already (revoked names are not reused)")
            session.add(row)
            session.add(_audit(actor, "api-client-add", name, f"role {role}", now))
    except IntegrityError:  # a concurrent `clients add` of the same name
        raise InvalidRequest(f"a client named {name!r} exists already") from None
    return key


def list_clients(uow: UnitOfWork) -> list[ApiClientRow]:
    with uow.begin() as session:
        return list(session.exec(select(ApiClientRow).order_by(col(ApiClientRow.name))).all())


def revoke_client(uow: UnitOfWork, name: str, now: datetime, *, actor: str = "operator") -> ApiClientRow:
    """Revoke at once: the next request with its key is a 401 — in every process serving the database, which
    the revocation marker tells (api/known_keys.py). Revoking twice changes nothing. Audited (`api-client-revoke`).
    InvalidRequest: no such client, or the marker could not be written (the revocation itself stands)."""
    with uow.begin() as session:
        row = session.exec(select(ApiClientRow).where(ApiClientRow.name == name)).first()
        if row is None:
            raise InvalidRequest(f"no API client {name!r}; `docking clients list` shows them")
        if row.revoked_at is None:
            row.revoked_at = to_utc(now)
            session.add(row)
            session.add(_audit(actor, "api-client-revoke", name, f"role {row.role}", now))
    try:
        mark_revoked(uow.engine)  # after the commit: processes serving this file look the key up again
    except OSError as exc:
        raise InvalidRequest(
            f"client {name!r} is revoked in the database, but the revocation marker {marker_path(uow.engine)} "
            f"could not be written ({exc.strerror}): a running `docking serve` may accept its key for up to "
            "60 seconds more; make the database's directory writable, or restart the servers"
        ) from None
    return row


def authenticate(session: Session | Connection, key: str) -> Client | None:
    """The live client holding `key`, or None (unknown or revoked: the caller is told the same either way).
    `session`: an ORM session or a bare Core connection (the API's per-request lookup, api/access.py)."""
    connection = session if isinstance(session, Connection) else session.connection()
    row = connection.execute(_BY_DIGEST, {"digest": key_digest(key)}).first()
    if row is None or row.revoked_at is not None:
        return None
    return Client(row.name, Role.parse(row.role))


def authenticate_sqlite(engine: Engine, key: str, *, digest: str | None = None) -> Client | None:
    """`authenticate` through the DB-API connection of a read-only SQLite engine (the API's per-request lookup,
    api/access.py): the same statement and answer, without SQLAlchemy's execution layer and its BEGIN/ROLLBACK
    around one SELECT — together about 0.1 ms of the event loop per request (bench/api.py, #16). The connection is
    in autocommit mode (adapter/persistence/engine.py), so the single statement reads the last commit as a whole,
    as the transaction did; a revoked key is refused from the next request on, as before."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            row = cursor.execute(_BY_DIGEST_SQLITE, (digest or key_digest(key),)).fetchone()
        finally:
            cursor.close()
    except sqlite3.Error as exc:
        # The driver's own error, past SQLAlchemy's layer: wrapped as SQLAlchemy would, so the API answers a locked,
        # unreadable or unmigrated file with its 503 and advice (api/problems.py), not a bare 500.
        raise DBAPIError.instance(_BY_DIGEST_SQLITE, (), exc, sqlite3.Error) from exc
    finally:
        raw.close()  # back to the pool
    if row is None or row[2] is not None:
        return None
    return Client(row[0], Role.parse(row[1]))


def marker_path(engine: Engine) -> Path | None:
    """The revocation marker of a SQLite file's engine (`<database>-clients`, api/known_keys.py); None for other
    databases and in-memory SQLite (no file: one process, nothing to tell)."""
    if engine.dialect.name != "sqlite":
        return None
    file = database_file(f"sqlite:///{engine.url.database or ''}")
    return None if file is None else file.with_name(file.name + "-clients")


def mark_revoked(engine: Engine) -> Path | None:
    """Tell every process serving this SQLite file that a client was revoked: the marker is replaced (a new inode,
    so a stat sees the change whatever the clock's resolution). Call after the revocation committed. OSError if
    the file cannot be written (the caller says what that means). Returns the marker's path, None if none."""
    path = marker_path(engine)
    if path is None:
        return None
    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    temporary.write_text(f"{uuid.uuid4().hex}\n")
    os.replace(temporary, path)
    return path


def _audit(actor: str, action: str, name: str, reason: str, now: datetime) -> AuditRow:
    return AuditRow(at=to_utc(now), actor=actor[:64], action=action, subject=f"api-client:{name}", reason=reason)
