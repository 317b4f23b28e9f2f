"""The HTTP API (issue #16): an ASGI app on the same core as the CLI; it sits above the composition root, like
cli/ — it may import scheduler, adapter and schemas; the core never imports it.

    app.py             create_app(runtime): routers, problem handlers, OpenAPI, the Guard middleware
    server.py          serve(settings, jobs=…): uvicorn (+ the jobs of `docking run`), TLS, graceful SIGTERM
    access.py          bearer-key authentication, roles → endpoint groups, the request's ApiContext
    clients.py         API clients: keys (shown once, stored as SHA-256), roles, add / list / revoke
    problems.py        RFC 9457 problem details; one handler per error class
    middleware.py      request id, body limit (413), time limit, audit of calls the action did not audit itself
    idempotency.py     Idempotency-Key and If-Match inside the action's own transaction (keyed_tx.py, case_tx.py)
    cursor.py          opaque keyset cursors for the case list
    models.py          request/answer bodies that are not canonical records
    centre_reads.py    GET /api/centre/v1/cases[/{id}]
    centre_actions.py  POST /api/centre/v1/… — every centre action of cli/centre.py
    court.py           GET /api/court/v1/cases/{ref} — a court's status query on its own cases
    meta.py            /healthz, /openapi.json, /docs, /.well-known/jwks.json
    health.py          /readyz (adapter/readiness.py), /metrics (Prometheus, role ops/admin)
    observe.py         request metrics by route template (outermost ASGI layer)
"""
