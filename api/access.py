"""Who is calling and what they may do: bearer-key authentication and the role each endpoint group admits.

    group     roles admitted                  endpoints
    meta      every role                      /openapi.json, /docs, /.well-known/jwks.json (Basic too: a browser)
    centre    centre, admin                   /api/centre/v1/…
    court     court:<platform>                /api/court/v1/… (that platform's cases only: another's is a 404)
    desk      desk:<platform>                 /api/desks/v1/<platform>/messages (its own platform only: 403)
    partner   partner:<partner>               /api/partners/v1/<partner>/messages (itself only: 403)
    (ops)     ops, admin                      the operations endpoints (next issue)

Unknown and revoked keys get the same 401, so a revoked key says nothing about the client; a known key outside
its role gets 403. The key is never logged nor stored: only its SHA-256 is looked up (api/clients.py).
"""

import base64
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from adapter.config.settings import Settings
from adapter.persistence.engine import UnitOfWork
from adapter.services import CentreServices
from api.clients import Client, authenticate, authenticate_sqlite
from api.known_keys import KnownKeys
from api.problems import Problem
from schemas.clock import Clock

GROUPS: dict[str, frozenset[str]] = {
    "meta": frozenset({"centre", "ops", "admin", "court"}),
    "centre": frozenset({"centre", "admin"}),
    "court": frozenset({"court"}),
    "desk": frozenset({"desk"}),
    "partner": frozenset({"partner"}),
    "ops": frozenset({"ops", "admin"}),
}


@dataclass
class ApiContext:
    """What every route needs from the composition root (scheduler.Runtime), handed over once by the factory."""

    settings: Settings
    uow: UnitOfWork
    clock: Clock
    services: CentreServices  # the runtime's: its configured platforms and deadline engine
    # Reads (the key lookup of every request, every GET): on a SQLite file a read-only connection, which takes no
    # write lock (the writable engine takes it at BEGIN); elsewhere the same unit of work.
    reads: UnitOfWork
    # Keys already found through `reads` (SQLite files only: api/known_keys.py), set by the app factory.
    known_keys: KnownKeys | None = None

    @property
    def reads_inline(self) -> bool:
        """Whether the key lookup may run on the event loop itself rather than in a worker thread: only through the
        read-only SQLite connection, which takes no lock and never waits for a writer (WAL readers read the last
        commit), so one indexed row costs about 0.1 ms of the loop. The hop to a worker thread and back cost more
        than the lookup — about 0.3 ms of CPU per request, measured with bench/api.py (#16). Elsewhere (PostgreSQL,
        a writable SQLite engine that takes the write lock at BEGIN) a lookup can wait, and must not stall the loop.
        """
        return self.reads is not self.uow and self.reads.engine.dialect.name == "sqlite"


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx


def _unauthorized(detail: str, *, basic: bool = False) -> Problem:
    # A browser asks for a user name and password when challenged with Basic: the meta group's /docs is then
    # readable by opening it (any user name, the API key as the password); everything else says Bearer.
    challenge = 'Basic realm="docking", charset="UTF-8"' if basic else 'Bearer realm="docking"'
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def caller(request: Request, *, basic: bool = False) -> Client:
    """The client whose key is in `Authorization: Bearer …` — or, with `basic` (the meta group: /docs in a
    browser), the password of `Authorization: Basic …` (RFC 7617; the user name is not read); 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if basic and scheme.lower() == "basic":
        key = _basic_password(key)
    elif scheme.lower() != "bearer":
        key = ""
    if not key.strip():
        raise _unauthorized(
            "send the API key as `Authorization: Bearer <key>` (`docking clients add` makes one)"
            + ("; in a browser, give it as the password (any user name)" if basic else ""),
            basic=basic,
        )
    client = _lookup(context(request), key.strip())
    if client is None:
        raise _unauthorized("the API key is unknown or revoked", basic=basic)
    request.state.client = client.name  # for the audit record (api/middleware.py)
    return client


def known_client(ctx: ApiContext, authorization: str) -> str | None:
    """The name of the client whose key `authorization` (a header's value) carries as Bearer, or None — never
    raises: for the audit record of a call refused before its route checked the key (a body that is not JSON, one
    over the limit), which is still that client's call (api/middleware.py)."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    try:
        client = _lookup(ctx, key.strip())
    except Exception:  # the database does not answer: the call stays unidentified, as it was
        return None
    return None if client is None else client.name


def _lookup(ctx: ApiContext, key: str) -> Client | None:
    reads = ctx.reads
    if ctx.known_keys is not None:
        return ctx.known_keys.find(key)
    if ctx.reads_inline:
        return authenticate_sqlite(reads.engine, key)
    # A bare Core connection, not an ORM session: one indexed row needs no session, whose own set-up and teardown
    # cost more than the lookup (bench/api.py, #16). It reads the last commit, as the session did.
    with reads.engine.connect() as connection:
        return authenticate(connection, key)


def _basic_password(credentials: str) -> str:
    """The password of Basic credentials (base64 of "user:password", UTF-8); "" for credentials not of that form."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def admits(group: str, client: Client) -> bool:
    return client.role.kind in GROUPS[group]


def require(group: str) -> Callable[[Request], Awaitable[Client]]:
    """A dependency: the caller, if its role is admitted to `group`; 403 otherwise."""

    basic = group == "meta"  # what a browser can send: /docs, /openapi.json and the JWKS, all read-only GETs

    async def dependency(request: Request) -> Client:
        if context(request).reads_inline:
            client = caller(request, basic=basic)
        else:
            client = await run_in_threadpool(functools.partial(caller, basic=basic), request)
        if not admits(group, client):
            raise Problem(403, "forbidden", f"role {client.role} may not use this endpoint ({group} API)")
        return client

    dependency.__name__ = f"require_{group}"
    return dependency
