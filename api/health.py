"""Readiness and metrics: `/readyz` (adapter/readiness.py) and `/metrics` (Prometheus text format).

`/readyz` answers 200 when every check passes and 503 otherwise, with the same JSON body either way:
`{"status": "ready"|"not ready", "checks": [{"name", "ok"}]}`. It needs no credentials, for load balancers and
orchestrators (whose probes seldom carry a key); so an anonymous caller learns only the check names and their
verdicts. A caller with an `ops` or `admin` key gets each check's `detail` as well (which platform is held,
which job is stale, the schema version) — operational facts that are not for everyone.

`/metrics` needs a key of role `ops` or `admin`, like every endpoint but the two probes; Prometheus sends it with
`authorization: {type: Bearer, credentials_file: …}` in its scrape config. The body is this process's registry
(adapter/metrics.py) with the database's figures read at the scrape (adapter/metrics_db.py).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as TEXT_FORMAT  # read by Prometheus 2 and 3

from adapter.metrics import Metrics
from adapter.readiness import readiness
from api.access import admits, caller, context, require
from api.clients import Client

router = APIRouter()


def _operator(request: Request) -> bool:
    """Does the request carry a valid ops/admin key? Never raises: a probe without one is simply anonymous."""
    if not request.headers.get("authorization"):
        return False
    try:
        return admits("ops", caller(request))
    except Exception:  # an unknown key or a database that does not answer: anonymous
        return False


_READY_EXAMPLE = {
    "status": "not ready",
    "checks": [
        {"name": "database", "ok": True},
        {"name": "migrations", "ok": True},
        {"name": "jobs", "ok": True},
        {"name": "platforms", "ok": False, "detail": "held (the court refuses our credentials): gz-odr"},
    ],
}


@router.get(
    "/readyz",
    tags=["meta"],
    openapi_extra={"security": [{}, {"bearer": []}]},
    responses={
        200: {
            "description": "Ready",
            "content": {"application/json": {"example": {**_READY_EXAMPLE, "status": "ready"}}},
        },
        503: {"description": "Not ready", "content": {"application/json": {"example": _READY_EXAMPLE}}},
    },
)
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers, its schema is current, a process runs the jobs and none is stale, and no
    platform is held. 200 or 503; `detail` per check for an ops/admin key only (see the module docstring)."""
    ctx = context(request)
    # Over the read connection: on SQLite a probe takes no write lock from `docking run`.
    checks = await run_in_threadpool(readiness, ctx.reads, ctx.settings, request.app.state.platforms, ctx.clock)
    detailed = await run_in_threadpool(_operator, request)
    ready = all(check.ok for check in checks)
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "checks": [{"name": c.name, "ok": c.ok, **({"detail": c.detail} if detailed else {})} for c in checks],
    }
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})


Operator = Annotated[Client, Depends(require("ops"))]


@router.get(
    "/metrics",
    tags=["meta"],
    response_class=Response,
    responses={200: {"description": "Prometheus text format 0.0.4", "content": {TEXT_FORMAT: {}}}},
)
def metrics(request: Request, client: Operator) -> Response:
    """This process's metrics and the database's figures, for Prometheus (role ops or admin)."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.exposition(), media_type=TEXT_FORMAT)
