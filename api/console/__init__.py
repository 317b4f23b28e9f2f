"""The operations console: server-rendered pages on the API's app, for the `ops` and `admin` roles.

    session.py     login by API key → signed session cookie; the operator of each request; CSRF tokens
    login.py       /console/login, /console/logout, the stylesheet
    views.py       the Jinja2 environment (autoescape), filters (China time CST, masking), page headers (CSP)
    charts.py      bar charts as inline SVG (pure)
    health.py      /console/ — the platforms' health from the database
    outbox.py      /console/outbox — the message browser; replay a dead letter (adapter/outbox/dead_letters.py)
    quarantine.py  /console/quarantine — refused inbound messages; reprocess, resolve (adapter/inbox/quarantine.py)
    cases.py       /console/cases — search → timeline; /console/deadlines — deadlines at risk
    reconcile.py   /console/reconcile — runs, differences, a run with repair (adapter/reconcile/)
    stats.py       /console/stats — monthly figures and charts (adapter/stats.py)

Every button is the same audited core call the CLI makes, with the actor `console:<client>`; no page shows a
full ID, phone or account number (adapter/masking.py); no script runs, nothing is fetched from elsewhere.
"""

from fastapi import FastAPI, Request
from starlette.responses import Response

from api.console import cases, health, login, outbox, quarantine, reconcile, stats
from api.console.login import to_login
from api.console.session import PATH, BadToken, LoginRequired, Sessions
from api.console.views import Pages


def install(app: FastAPI) -> None:
    """Add the console's routes, its session key and its two refusals (no session → the login page; a form
    without its CSRF token → 403, nothing done)."""
    app.state.console_sessions = Sessions()
    app.state.console_pages = Pages()
    for module in (login, health, outbox, quarantine, cases, reconcile, stats):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return to_login(request)

    @app.exception_handler(BadToken)
    async def _token(request: Request, exc: BadToken) -> Response:
        pages: Pages = request.app.state.console_pages
        message = "The form was refused: it did not carry this session's security token. Reload the page and try again."
        return pages.render(request, "refused.html", 403, op=None, tab="", message=message, back=f"{PATH}/")
