"""The ASGI application, built by `create_app` from the composition root's runtime; nothing at import time."""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from adapter.complaints.service import ComplaintServices
from adapter.metrics_db import DatabaseCollector
from adapter.persistence.api_tables import ApiAuditRow
from adapter.persistence.engine import UnitOfWork, open_database
from adapter.persistence.sqlite_file import database_file
from api import (
    centre_actions,
    centre_complaint_reads,
    centre_complaints,
    centre_events,
    centre_partners,
    centre_reads,
    console,
    court,
    desk_push,
    health,
    meta,
    partner_push,
    problems,
)
from api.access import ApiContext, known_client
from api.known_keys import KnownKeys
from api.middleware import Guard
from api.observe import Observed
from scheduler import Runtime
from schemas.clock import to_utc

DESCRIPTION = """\
The adapter's HTTP face: the centre's case system drives cases and complaints here; courts query their cases;
institutions' complaint desks push their answers.

* **Auth**: `Authorization: Bearer <key>` on every endpoint but the probes `/healthz` and `/readyz`
  (`docking clients add NAME --role R`). Roles: `centre` and `admin` use the centre API; `court:<platform>` its own
  cases only; `desk:<desk>` pushes to `/api/desks/v1/<desk>/messages` only; `ops` and `admin` read `/metrics`
  (Prometheus) and `/readyz`'s details.
* **Probes**: `/healthz` — the process lives; `/readyz` — database, migrations, jobs, platforms: 200 or 503 (a
  verdict at most a second old).
* **Idempotency**: every POST needs `Idempotency-Key` (but a desk's push: its signed message id dedupes it); a
  retry with the same key and body gets the first answer (`Idempotent-Replayed: true`) without acting again; the
  same key with another body is a 422.
* **Concurrency**: `GET …/cases/{id}` (and `…/complaints/{id}`) returns an `ETag` (its version); send it as
  `If-Match` with an action: if it moved on meanwhile the action is refused with 412 and the current ETag.
* **Errors**: RFC 9457 `application/problem+json`; validation errors list `errors[]` of `{field, rule, message}`;
  an illegal transition is a 409 with `current_state` and `allowed_events`.
"""


def _router_settings(router: APIRouter) -> list[str]:
    """What a router holds beyond its routes' own path and tags — lost if its routes are served flat (below)."""
    held = {
        "dependencies": router.dependencies,
        "responses": router.responses,
        "callbacks": router.callbacks,
        "deprecated": router.deprecated,
        "include_in_schema": not router.include_in_schema,
        "startup/shutdown handlers": router.on_startup or router.on_shutdown,
    }
    return [name for name, value in held.items() if value]


def create_app(runtime: Runtime) -> FastAPI:
    """The app for this runtime: its settings, unit of work, clock and use cases (scheduler.build_runtime)."""
    reads = runtime.uow
    if database_file(runtime.settings.database_url) is not None:
        reads = UnitOfWork(open_database(runtime.settings, read_only=True))
    ctx = ApiContext(runtime.settings, runtime.uow, runtime.clock, runtime.services, reads)
    if ctx.reads_inline:
        ctx.known_keys = KnownKeys(reads.engine)
    app = FastAPI(
        title="court-docking",
        version="1",
        description=DESCRIPTION,
        docs_url=None,  # served by api/meta.py, behind a key like everything but the probes
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = ctx
    app.state.platforms = runtime.platforms  # the court push intake verifies with each platform's link (api/court.py)
    # The complaint use cases (their desks, calendar, settings) and the desks' push links (api/desk_push.py).
    complaints = runtime.complaints
    app.state.complaints = complaints.services() if complaints else ComplaintServices(runtime.uow, runtime.clock)
    app.state.desks = desk_push.push_desks(complaints) if complaints else {}
    # The partners' rules and calendar (api/centre_partners.py) and the push intakes of those that push.
    app.state.partners = runtime.partners
    app.state.partner_push = partner_push.push_partners(runtime.partners)
    problems.install(app)
    app.state.metrics = runtime.metrics  # /metrics (api/health.py) and the request metrics (api/observe.py)
    app.state.readiness = health.Verdicts()  # /readyz's latest checks, answered again for a second
    # The database's figures are read at each scrape, over the read connection: on SQLite it takes no write lock.
    runtime.metrics.read_at_scrape(DatabaseCollector(reads, runtime.clock, runtime.platforms))
    routes = (meta, health, centre_reads, centre_actions, centre_events, court)
    for module in (*routes, centre_complaint_reads, centre_complaints, desk_push, centre_partners, partner_push):
        # The routes themselves, not the router: FastAPI 0.165 keeps an included router as a nested branch that
        # every request walks (scope bookkeeping per candidate, twice: to match, then to handle) — ~30 µs of loop
        # CPU a centre action (#16, timed by matching its scope against the routes). Our routers carry only a prefix
        # and tags, already in each route's path and tags, and nothing else: the flat list serves the same routes in
        # the same order (the OpenAPI document is byte-identical). A router that holds more is refused at start.
        if held := _router_settings(module.router):
            raise RuntimeError(f"{module.__name__}: its router's {', '.join(held)} would be lost if served flat")
        app.router.routes.extend(module.router.routes)
    console.install(app)  # the operations console's pages (api/console/), behind a login for ops and admin

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            doc.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            doc["security"] = [{"bearer": []}]
            centre_partners.document(doc)  # one schema per partner action (their bodies are read as JSON)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]

    def audit(record: dict[str, Any]) -> None:
        with ctx.uow.begin() as session:
            session.add(ApiAuditRow(at=to_utc(ctx.clock()), **record))

    api = ctx.settings.api
    app.add_middleware(
        Guard,
        max_body=api.max_body_bytes,
        timeout=api.request_timeout_seconds,
        audit=audit,
        identify=lambda authorization: known_client(ctx, authorization),
    )
    app.add_middleware(Observed, metrics=runtime.metrics)  # added last: outermost, so it counts the Guard's answers
    return app
