"""Logging in and out of the console, and its stylesheet (the one file served without a session)."""

import secrets
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from api.access import context
from api.clients import authenticate
from api.console.session import (
    COOKIE,
    LOGIN_COOKIE,
    PATH,
    LoggedIn,
    Sessions,
    admitted,
    check_token,
    set_cookie,
)
from api.console.views import CSS, View

router = APIRouter(prefix=PATH, include_in_schema=False)
LOGIN_SECONDS = 900  # the login form's token: a quarter of an hour to paste a key
NEXT_COOKIE = "docking_console_next"  # the page asked for without a session, prefixed ENDED or FRESH (to_login)
ENDED, FRESH = "e", "n"


def to_login(request: Request) -> Response:
    """Where a request without a live session goes: the login form. A cookie remembers the page asked for (a GET
    only: a form's POST cannot be repeated from a redirect), so the login lands there, and whether a session cookie
    came (it expired, was forged or its client was revoked), so the form says the session ended rather than look
    like a first visit. A cookie, not the query string, keeps the login page's address what it always was."""
    response = RedirectResponse(f"{PATH}/login", 303)
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    mark = ENDED if request.cookies.get(COOKIE) else FRESH
    set_cookie(response, request, NEXT_COOKIE, quote(mark + (wanted if request.method == "GET" else "")), LOGIN_SECONDS)
    return response


def _remembered(request: Request) -> tuple[bool, str]:
    """(the session ended, the console page to land on after the login) from NEXT_COOKIE; a value that is not a
    page of this console (a scheme, another host, a backslash: never an open redirect) lands on Platforms."""
    value = unquote(request.cookies.get(NEXT_COOKIE, ""))
    ended, wanted = value.startswith(ENDED), value[1:]
    ok = wanted.startswith(f"{PATH}/") and "\\" not in wanted and "://" not in wanted
    return ended, wanted if ok and not wanted.startswith(f"{PATH}/login") else f"{PATH}/"


@router.get("")
def root() -> RedirectResponse:
    return RedirectResponse(f"{PATH}/", 303)


@router.get("/static/console.css")
def stylesheet() -> FileResponse:
    return FileResponse(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/login")
def login_form(request: Request, view: View) -> Response:
    token = secrets.token_urlsafe(24)
    ended = "Your session ended (it expired, the server restarted or the client was revoked): log in again."
    response = view.render(request, "login.html", op=None, token=token, error=ended * _remembered(request)[0])
    set_cookie(response, request, LOGIN_COOKIE, token, LOGIN_SECONDS)
    return response


@router.post("/login")
def login(
    request: Request,
    view: View,
    key: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    """A key of an ops or admin client → a session; anything else → the form again, saying why (401 / 403)."""
    check_token(request, token, request.cookies.get(LOGIN_COOKIE, ""))

    def again(status: int, error: str) -> Response:
        fresh = secrets.token_urlsafe(24)
        response = view.render(request, "login.html", status, op=None, token=fresh, error=error)
        set_cookie(response, request, LOGIN_COOKIE, fresh, LOGIN_SECONDS)
        return response

    if not key.strip():
        return again(401, "Paste an API key to log in.")
    with context(request).reads.begin() as session:
        client = authenticate(session, key.strip())
    if client is None:
        return again(401, "That API key is unknown or revoked.")
    if not admitted(client):
        return again(403, f"The role {client.role} may not use the console: it needs ops or admin.")
    request.state.client = f"console:{client.name}"  # the login's own audit record names who logged in
    sessions: Sessions = request.app.state.console_sessions
    response = RedirectResponse(_remembered(request)[1], 303)
    set_cookie(response, request, COOKIE, sessions.issue(client), int(sessions.lifetime.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path=PATH)
    response.delete_cookie(NEXT_COOKIE, path=PATH)
    return response


@router.post("/logout")
def logout(request: Request, op: LoggedIn, csrf: Annotated[str, Form()] = "") -> Response:
    check_token(request, csrf, op.csrf)
    response = RedirectResponse(f"{PATH}/login", 303)
    response.delete_cookie(COOKIE, path=PATH)
    response.delete_cookie(NEXT_COOKIE, path=PATH)  # a logout is no ended session, and lands on Platforms next time
    return response
