"""Rendering the console's pages: one Jinja2 environment (autoescape on), the filters every template uses, and the
headers every page carries (no script, nothing from elsewhere: the CSP allows this origin only)."""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from adapter.errors import CaseNotFound, DockingError
from adapter.masking import mask_text
from schemas.clock import china_text, last_day

HERE = Path(__file__).parent
CSS = HERE / "static" / "console.css"
HEADERS = {
    # No script runs on these pages; styles come from /console/static only; forms post back here only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages show case data: never kept by a shared cache or the browser
}
PAGE_SIZE = 50  # rows per page of a listing
NAV = [
    ("health", "/console/", "Platforms"),
    ("outbox", "/console/outbox", "Outbox"),
    ("quarantine", "/console/quarantine", "Quarantine"),
    ("deadlines", "/console/deadlines", "Deadlines"),
    ("reconcile", "/console/reconcile", "Reconciliation"),
    ("cases", "/console/cases", "Cases"),
    ("complaints", "/console/complaints", "Complaints"),
    ("partners", "/console/partners", "Partners"),
    ("stats", "/console/stats", "Statistics"),
]


def _cst(value: datetime | None) -> str:
    """A stored time as people read it: China time, labelled CST; empty for none."""
    return china_text(value) if value is not None else ""


def _last_day(value: datetime | None) -> str:
    """A due date's closing instant as its last day, China time ("2026-12-04"), as the complaint pages show theirs."""
    return last_day(value).isoformat() if value is not None else ""


def _masked(value: object) -> str:
    return mask_text("" if value is None else str(value))


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cst"] = _cst
    env.filters["last_day"] = _last_day
    env.filters["masked"] = _masked
    env.globals["nav"] = NAV
    return env


class Pages:
    """Renders a template into an HTML answer with the console's headers."""

    def __init__(self) -> None:
        self.env = environment()

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(request=request, **values)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def refusal(self, request: Request, op: Any, exc: DockingError, *, back: str, tab: str) -> HTMLResponse:
        """The core's refusal (a bad input, an unknown id) as a page saying what was wrong: 404 for an unknown
        case, 422 otherwise; the message masked like any free text."""
        status = 404 if isinstance(exc, CaseNotFound) else 422
        return self.render(request, "refused.html", status, op=op, tab=tab, message=mask_text(str(exc)), back=back)

    def bad_filter(
        self, request: Request, op: Any, name: str, value: str, allowed: Sequence[str], *, back: str, tab: str
    ) -> HTMLResponse | None:
        """A 422 page naming the filter and its allowed values when `value` is not one of them (the select would
        otherwise show "any" above an empty listing); None when it is empty or allowed."""
        if not value or value in allowed:
            return None
        message = f"{name} {value!r} is not one of: {', '.join(allowed)}"
        return self.render(request, "refused.html", 422, op=op, tab=tab, message=mask_text(message), back=back)


def last_page(page: int, total: int) -> tuple[int, int]:
    """(page, pages) for a listing of `total` rows: a page past the end is the last one, so a stale or hand-typed
    `?page=` never shows "page 999 of 9" over an empty table."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(page, pages), pages


def page_number(text: str | None) -> int:
    """The 1-based page of a listing from `?page=`; anything unreadable is the first."""
    return int(text) if text and text.isdigit() and 0 < int(text) < 100000 else 1


def pages(request: Request) -> Pages:
    """A dependency: the app's page renderer (made once by api/console.install)."""
    found: Pages = request.app.state.console_pages
    return found


View = Annotated[Pages, Depends(pages)]  # a route's parameter: the page renderer
