"""Reconciliation runs and their differences, and a run with repair from the page — the same audited call as
`docking reconcile --repair` (adapter/reconcile/)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from adapter.errors import DockingError, InvalidRequest
from adapter.masking import mask_text
from adapter.reconcile import Scope, reconcile
from adapter.reconcile import runs as stored
from api.access import context
from api.console.session import PATH, LoggedIn, check_token
from api.console.views import View

router = APIRouter(prefix=PATH, include_in_schema=False)
RUNS_SHOWN = 30


@router.get("/reconcile")
def runs(request: Request, op: LoggedIn, view: View) -> Response:
    ctx = context(request)
    latest = stored.latest(ctx.reads, RUNS_SHOWN)
    return view.render(
        request,
        "reconcile.html",
        op=op,
        tab="reconcile",
        runs=latest,
        platforms=list(request.app.state.platforms),
        scopes=list(Scope),
    )


@router.get("/reconcile/{run_id}")
def run(request: Request, run_id: int, op: LoggedIn, view: View) -> Response:
    try:
        found, differences = stored.load(context(request).reads, run_id)
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/reconcile", tab="reconcile")
    rows = [{**d, "detail": mask_text(d["detail"] or "")} for d in differences]
    return view.render(
        request, "run.html", op=op, tab="reconcile", run=found, detail=mask_text(found.detail or ""), rows=rows
    )


@router.post("/reconcile")
def start(
    request: Request,
    op: LoggedIn,
    view: View,
    csrf: Annotated[str, Form()] = "",
    platform: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = Scope.OPEN.value,
    repair: Annotated[str, Form()] = "",
) -> Response:
    """Compare (and with `repair` repair: re-send, re-deliver, fetch — audited), then show the stored run."""
    check_token(request, csrf, op.csrf)
    ctx, platforms = context(request), request.app.state.platforms
    try:
        if platform and platform not in platforms:
            raise InvalidRequest(f"platform {platform!r} is not configured; configured: {', '.join(platforms)}")
        if scope not in {s.value for s in Scope}:
            raise InvalidRequest(f"scope {scope!r} is not one of {', '.join(s.value for s in Scope)}")
        report = reconcile(
            ctx.uow,
            platforms,
            platform=platform or None,
            scope=Scope(scope),
            repair=bool(repair),
            actor=op.actor,
            clock=ctx.clock,
        )
    except DockingError as exc:
        return view.refusal(request, op, exc, back=f"{PATH}/reconcile", tab="reconcile")
    return RedirectResponse(f"{PATH}/reconcile/{report.run_id}", 303)
