"""/console/ — the platforms' health: the status report `docking status` prints (adapter/status/), with what in it
needs a person first."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from adapter.status import collect, findings
from api.access import context
from api.console.session import PATH, LoggedIn
from api.console.views import View

router = APIRouter(prefix=PATH, include_in_schema=False)


@router.get("/")
def health(request: Request, op: LoggedIn, view: View) -> Response:
    ctx = context(request)
    report = collect(ctx.reads, ctx.settings, ctx.clock)
    return view.render(request, "health.html", op=op, tab="health", report=report, attention=findings(report))
