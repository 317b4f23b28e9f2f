"""Readiness and metrics: `/readyz` (adapter/readiness.py) and `/metrics` (Prometheus text format).

`/readyz` answers 200 when every check passes and 503 otherwise, with the same JSON body either way:
`{"status": "ready"|"not ready", "checks": [{"name", "ok"}]}`. It needs no credentials, for load balancers and
orchestrators (whose probes seldom carry a key); so an anonymous caller learns only the check names and their
verdicts. A caller with an `ops` or `admin` key gets each check's `detail` as well (which platform is held,
which job is stale, the schema version) — operational facts that are not for everyone. The checks run at most once
a second, whoever asks (Verdicts): a probe gets a verdict up to FRESH seconds old.

`/metrics` needs a key of role `ops` or `admin`, like every endpoint but the two probes; Prometheus sends it with
`authorization: {type: Bearer, credentials_file: …}` in its scrape config. The body is this process's registry
(adapter/metrics.py) with the database's figures read at the scrape (adapter/metrics_db.py).
"""

import asyncio
import math
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as TEXT_FORMAT  # read by Prometheus 2 and 3

from adapter.metrics import Metrics
from adapter.readiness import Check, readiness
from api.access import admits, caller, context, require
from api.clients import Client

router = APIRouter()
FRESH = 1.0  # seconds a readiness verdict is answered again (see Verdicts)


class Verdicts:
    """The latest readiness checks, made by one probe at a time and answered to every probe for FRESH seconds.

    Why: the checks cost tens of milliseconds of the server (the database, the schema's version, every watched
    certificate read and parsed) and /readyz needs no key, so anyone could make the API slow for everyone by
    asking it in a loop (attacker review). Probes come every few seconds; a verdict a second old is as good. Probes
    arriving while the checks run wait for them (on the event loop, holding no worker thread)."""

    def __init__(self, fresh: float = FRESH) -> None:
        self._fresh, self._at, self._checks = fresh, -math.inf, list[Check]()
        self._lock: asyncio.Lock | None = None  # made on the serving loop, at the first probe

    async def get(self, check: Callable[[], list[Check]]) -> list[Check]:
        if (kept := self._kept()) is not None:
            return kept
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if (kept := self._kept()) is not None:  # made meanwhile, by the probe this one waited for
                return kept
            checks = await run_in_threadpool(check)
            self._checks, self._at = checks, time.monotonic()
            return checks

    def _kept(self) -> list[Check] | None:
        return self._checks if time.monotonic() - self._at < self._fresh else None


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
    verdicts: Verdicts = request.app.state.readiness
    # Over the read connection: on SQLite a probe takes no write lock from `docking run`.
    checks = await verdicts.get(lambda: readiness(ctx.reads, ctx.settings, request.app.state.platforms, ctx.clock))
    detailed = await run_in_threadpool(_operator, request) if request.headers.get("authorization") else False
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
