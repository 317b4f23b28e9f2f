"""Idempotency-Key and If-Match for the centre's POSTs, kept in the action's own transaction.

The use cases (adapter/services.py) each open exactly one transaction through the unit of work they are given.
The API gives them a keyed transaction (api/keyed_tx.py; a case's is api/case_tx.py): a unit of work whose
transaction, *before* the use case runs, locks the case (PostgreSQL: `FOR UPDATE`; SQLite holds the write lock from
BEGIN), looks up the key and checks If-Match, and *after* it, writes the answer under the key and the audit row —
then commits once. So:

  * an action and its remembered answer commit together or not at all: no window where one exists without the
    other, however the process dies;
  * two requests with one key queue on the case lock; the second finds the first's answer and replays it. A
    register (no case yet) is guarded by the table's primary key instead: the loser's whole transaction —
    its new case included — rolls back on the duplicate key, and it replays the winner's answer;
  * the key is looked up before If-Match is checked: a retry of a write that succeeded must get its answer,
    not a 412 for the version its own first attempt moved on.

A refusal by the use case (404, 409, 422) changes nothing; it is remembered in a transaction of its own
(`remember_refusal`), so a retry gets the same refusal. 412 and 5xx answers are not remembered: the first asks the
client to re-read, the second to try again.

The case version behind ETag/If-Match is the id of the case's latest history entry (case_events): every change of
a case's status, mediator or agreement is a transition and writes one, ids only grow, and the core needs no new
column bumped at every write (derived, so no writer can forget it).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapter.persistence.api_tables import ApiIdempotencyRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow
from api.problems import Problem
from schemas.clock import to_utc

_KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))
_IDEM: Table = ApiIdempotencyRow.__table__  # type: ignore[attr-defined]
_EVENTS: Table = CaseEventRow.__table__  # type: ignore[attr-defined]
# Built once: a statement object keeps its compiled form and cache key, so each call only binds its values.
_LOOKUP = select(_IDEM.c.request_sha256, _IDEM.c.status_code, _IDEM.c.response_json, _IDEM.c.etag).where(
    _IDEM.c.client == bindparam("client"), _IDEM.c.key == bindparam("key")
)
_VERSION = select(func.max(_EVENTS.c.id)).where(_EVENTS.c.case_id == bindparam("case_id"))


def request_digest(method: str, path: str, payload: Any) -> str:
    """SHA-256 over the method, the path and the *parsed* body (sorted JSON): a multipart retry with a new
    boundary, or JSON re-serialised with other spacing, is the same request."""
    text = json.dumps([method.upper(), path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_key(key: str | None) -> str:
    if key is None:
        raise Problem(
            400,
            "idempotency-key-missing",
            "every POST needs an Idempotency-Key header (a unique value per intended action, e.g. a UUID)",
            errors=[{"field": "header.Idempotency-Key", "rule": "missing", "message": "required on every POST"}],
        )
    if not 1 <= len(key) <= 128 or not set(key) <= _KEY_CHARS:
        raise Problem(
            400,
            "idempotency-key-invalid",
            "Idempotency-Key must be 1–128 printable ASCII characters without spaces",
            errors=[{"field": "header.Idempotency-Key", "rule": "format", "message": "1–128 printable ASCII"}],
        )
    return key


def etag(version: int) -> str:
    return f'"v{version}"'


def case_version(session: Session, case_id: str) -> int:
    session.flush()  # the session's own new history counts (a no-op when nothing is pending)
    return int(session.connection().execute(_VERSION, {"case_id": case_id}).scalar() or 0)


def matches(if_match: str, current: str) -> bool:
    """RFC 9110 If-Match: `*`, or a list of entity tags compared strongly (a weak tag never matches)."""
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or current in tags


@dataclass
class Stored:
    """A remembered answer, replayed as it was."""

    status_code: int
    body: dict[str, Any]
    etag: str | None


class Replay(Exception):
    """Control flow, not an error: the first answer is given again."""

    def __init__(self, stored: Stored) -> None:
        super().__init__("replay")
        self.stored = stored


@dataclass(frozen=True)
class Call:
    """What one POST is: who, under which key, the digest of what it asks, its request id, method and path."""

    client: str
    key: str
    digest: str
    request_id: str
    method: str
    path: str

    @classmethod
    def of(cls, scope: Mapping[str, Any], client: str, key: str | None, payload: Any) -> "Call":
        """The POST a request's ASGI scope describes (its path as Starlette's `request.url.path` spells it, read off
        the scope: building the URL object cost as much as routing, bench/api.py #16); 400 without a usable key."""
        path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        request_id = scope["state"]["request_id"]  # set by the Guard (api/middleware.py) for every request
        return cls(client, check_key(key), request_digest("POST", path, payload), request_id, "POST", path)


def lookup(session: Session, call: Call) -> Stored | None:
    """The answer remembered under the caller's key; 422 if the key was used for another request."""
    # Core, not the ORM: one indexed row per call, not worth an entity's loading machinery (see api/keyed_tx.py).
    row = session.connection().execute(_LOOKUP, {"client": call.client, "key": call.key}).first()
    if row is None:
        return None
    if row.request_sha256 != call.digest:
        raise Problem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used for a different request (method, path or body); use a new key",
            errors=[{"field": "header.Idempotency-Key", "rule": "reused", "message": "used for another request"}],
        )
    return Stored(row.status_code, json.loads(row.response_json), row.etag)


def audit_values(call: Call, status: int, at: datetime, *, replayed: bool = False) -> dict[str, Any]:
    """The api_audit row of one call, as column values."""
    return {
        "at": to_utc(at),
        "client": call.client,
        "request_id": call.request_id,
        "method": call.method,
        "path": call.path[:512],
        "status_code": status,
        "idempotency_key": call.key,
        "replayed": replayed,
    }


def remember_refusal(uow: UnitOfWork, call: Call, problem: dict[str, Any], status: int, now: datetime) -> None:
    """Keep a use case's refusal under the key, so a retry gets it again; a concurrent first answer wins."""
    try:
        with uow.begin() as session:
            if session.get(ApiIdempotencyRow, (call.client, call.key)) is None:
                session.add(
                    ApiIdempotencyRow(
                        client=call.client,
                        key=call.key,
                        request_sha256=call.digest,
                        status_code=status,
                        response_json=json.dumps(problem, ensure_ascii=False),
                        created_at=to_utc(now),
                    )
                )
    except IntegrityError:
        pass


def replay_after_conflict(uow: UnitOfWork, call: Call) -> Stored | None:
    """After a duplicate-key failure: the answer the concurrent winner stored (422 if its request differs)."""
    with uow.begin() as session:
        return lookup(session, call)


def forget_before(uow: UnitOfWork, cutoff: datetime) -> int:
    """Forget the answers kept before `cutoff` ([api] idempotency_retention_hours): a retry after that acts anew."""
    with uow.begin() as session:
        result = session.connection().execute(
            delete(ApiIdempotencyRow).where(ApiIdempotencyRow.created_at < to_utc(cutoff))  # type: ignore[arg-type]
        )
        return int(result.rowcount or 0)
