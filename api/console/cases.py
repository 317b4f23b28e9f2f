"""Case search by our id, 案号 or the court's case id → the case's timeline (as `docking cases show`), and the
deadlines at risk (as `docking deadlines`)."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from adapter.case_lookup import CaseFilter, find_cases
from adapter.case_timeline import timeline
from adapter.deadlines import Deadlines
from adapter.deadlines.closing import closing_within, parse_span
from adapter.errors import DockingError
from api.access import context
from api.centre_partners import rules_of
from api.console.session import PATH, LoggedIn
from api.console.views import PAGE_SIZE, View
from schemas.clock import to_utc

router = APIRouter(prefix=PATH, include_in_schema=False)


@router.get("/cases")
def cases(request: Request, op: LoggedIn, view: View) -> Response:
    """With `?q=`: the one case it names (its page); without: the newest cases."""
    query = request.query_params.get("q", "").strip()
    ctx = context(request)
    if query:
        try:
            found = timeline(ctx.reads, query)
        except DockingError as exc:
            return view.refusal(request, op, exc, back=f"{PATH}/cases", tab="cases")
        return RedirectResponse(f"{PATH}/cases/{found.case.id}", 303)
    with ctx.reads.begin() as session:
        recent = list(find_cases(session, CaseFilter(), limit=PAGE_SIZE))
    return view.render(request, "cases.html", op=op, tab="cases", recent=recent)


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str, op: LoggedIn, view: View) -> Response:
    try:
        found = timeline(context(request).reads, case_id)
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/cases", tab="cases")
    return view.render(request, "case.html", op=op, tab="cases", t=found, c=found.case)


@router.get("/deadlines")
def deadlines(request: Request, op: LoggedIn, view: View) -> Response:
    """Every open deadline closing within `?within=` (3d by default; 36h, 2w …), and every one passed."""
    within = request.query_params.get("within", "3d").strip() or "3d"
    ctx = context(request)
    try:
        horizon = parse_span(within, "within")
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/deadlines", tab="deadlines")
    engine = Deadlines.from_policy(ctx.settings.deadlines)
    rows = closing_within(ctx.reads, engine, to_utc(ctx.clock()), horizon, complaints=ctx.settings.complaints.deadlines,
                          partners=rules_of(request))  # fmt: skip
    return view.render(
        request,
        "deadlines.html",
        op=op,
        tab="deadlines",
        rows=rows,
        within=within,
        estimated=sorted(engine.calendar.estimated_years),
    )
