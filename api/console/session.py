"""Who is at the console: a login with an API key (role ops or admin) makes a signed session cookie; every request
checks it and the client again; every form carries the session's CSRF token.

The cookie holds `{"c": client name, "x": expiry (Unix s), "t": CSRF token}` as base64url JSON and its
HMAC-SHA256 under a key made at start-up (`secrets`, 256 bits, never stored: a restart ends every session, and
each worker of a multi-process server would hold its own — the console is served by one process). It is
HttpOnly, SameSite=Strict, Path=/console, Secure when the request came over TLS, and expires after `LIFETIME`.
The key itself never leaves the login form: like the API (api/access.py), only its SHA-256 is looked up.
A revoked client, or one whose role no longer admits it, is logged out at its next request.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import select
from starlette.responses import Response

from adapter.persistence.api_tables import ApiClientRow
from api.access import GROUPS, context
from api.clients import Client, Role

COOKIE = "docking_console"
LOGIN_COOKIE = "docking_console_login"  # the login form's own CSRF token (double submit), before any session
PATH = "/console"
LIFETIME = timedelta(hours=8)


class LoginRequired(Exception):
    """No session, an expired or forged one, or its client is revoked or no longer ops/admin: go to the login."""


class BadToken(Exception):
    """A form POST without the session's CSRF token (or with another): refused, nothing done."""


@dataclass(frozen=True)
class Operator:
    """The console's caller: its client name and role, the CSRF token its forms carry, and the audit actor."""

    name: str
    role: str
    csrf: str

    @property
    def actor(self) -> str:
        return f"console:{self.name}"  # ≤ 56 characters: client names are ≤ 48 (api/clients.py)


class Sessions:
    """Issues and reads session cookies under one process-local key."""

    def __init__(self, lifetime: timedelta = LIFETIME, key: bytes | None = None) -> None:
        self.lifetime = lifetime
        self._key = key or secrets.token_bytes(32)

    def issue(self, client: Client, now: float | None = None) -> str:
        expiry = int((now or time.time()) + self.lifetime.total_seconds())
        body = json.dumps({"c": client.name, "x": expiry, "t": secrets.token_urlsafe(24)}, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def read(self, cookie: str, now: float | None = None) -> tuple[str, str] | None:
        """(client name, CSRF token) of a genuine, unexpired cookie; None otherwise."""
        payload, _, mac = cookie.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            name, expiry, token = str(body["c"]), int(body["x"]), str(body["t"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        return (name, token) if expiry > (now or time.time()) else None

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def admitted(client: Client) -> bool:
    return client.role.kind in GROUPS["ops"]


def operator(request: Request) -> Operator:
    """A dependency: the operator of this request's session; LoginRequired otherwise (→ the login page)."""
    sessions: Sessions = request.app.state.console_sessions
    found = sessions.read(request.cookies.get(COOKIE, ""))
    if found is None:
        raise LoginRequired()
    name, token = found
    with context(request).reads.begin() as session:
        row = session.exec(select(ApiClientRow).where(ApiClientRow.name == name)).first()
    if row is None or row.revoked_at is not None or not admitted(Client(row.name, Role.parse(row.role))):
        raise LoginRequired()
    request.state.client = f"console:{name}"  # the audit record of every POST (api/middleware.py)
    return Operator(name, row.role, token)


def check_token(request: Request, given: str, expected: str) -> None:
    """BadToken unless the form's token is the session's (constant-time compare)."""
    if not given or not hmac.compare_digest(given, expected):
        raise BadToken()


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """Set one of the console's cookies: HttpOnly, SameSite=Strict, Secure over TLS, scoped to /console."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


LoggedIn = Annotated[Operator, Depends(operator)]  # a route's parameter: the operator of the session
