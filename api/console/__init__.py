"""The operations console: server-rendered pages on the API's app, for the `ops` and `admin` roles.

    session.py     login by API key → signed session cookie; the operator of each request; CSRF tokens
    login.py       /console/login, /console/logout, the stylesheet
    views.py       the Jinja2 environment (autoescape), filters (China time CST, masking), page headers (CSP)
    charts.py      bar charts as inline SVG (pure)
    health.py      /console/ — the platforms' health from the database
    outbox.py      /console/outbox — the message browser; replay a dead letter (adapter/outbox/dead_letters.py)
    quarantine.py  /console/quarantine — refused inbound messages; reprocess, resolve (adapter/inbox/quarantine.py)
    cases.py       /console/cases — search → timeline; /console/deadlines — deadlines at risk (cases, complaints)
    complaints.py  /console/complaints — filtered list with due dates and overdue flags; one complaint, masked
    partners.py    /console/partners — partner records by kind, partner, status; one record, facts masked and
                   their times in CST (schemas/fact_times.py); replay a dead message to the partner
                   (partners/delivery.py)
    reconcile.py   /console/reconcile — runs, differences, a run with repair (adapter/reconcile/)
    stats.py       /console/stats — monthly figures and charts (adapter/stats.py)

Every button is the same audited core call the CLI makes, with the actor `console:<client>`; no page shows a
full ID, phone or account number (adapter/masking.py); no script runs, nothing is fetched from elsewhere.
"""

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from adapter.masking import mask_text
from api.console import cases, complaints, health, login, outbox, partners, quarantine, reconcile, stats
from api.console.login import to_login
from api.console.session import PATH, BadToken, LoggedIn, LoginRequired, Sessions
from api.console.views import Pages, View

unknown = APIRouter(prefix=PATH, include_in_schema=False)


@unknown.get("/{rest:path}")
def no_such_page(request: Request, rest: str, op: LoggedIn, view: View) -> Response:
    """Any other address under /console/ (a mistyped or stale bookmark): a console page saying so, with the menu,
    rather than the API's problem+json. Included last, so every real page matches first."""
    message = mask_text(f"There is no console page {PATH}/{rest}; the menu above lists every page.")
    return view.render(request, "refused.html", 404, op=op, tab="", message=message, back=f"{PATH}/")


def install(app: FastAPI) -> None:
    """Add the console's routes, its session key and its two refusals (no session → the login page; a form
    without its CSRF token → 403, nothing done)."""
    app.state.console_sessions = Sessions()
    app.state.console_pages = Pages()
    for module in (login, health, outbox, quarantine, cases, complaints, partners, reconcile, stats):
        app.include_router(module.router)
    app.include_router(unknown)  # last: only what no page matched

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return to_login(request)

    @app.exception_handler(BadToken)
    async def _token(request: Request, exc: BadToken) -> Response:
        pages: Pages = request.app.state.console_pages
        message = "The form was refused: it did not carry this session's security token. Reload the page and try again."
        return pages.render(request, "refused.html", 403, op=None, tab="", message=message, back=f"{PATH}/")
