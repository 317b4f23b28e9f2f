"""The request metrics (adapter/metrics.py `request`): count and time every request by its route template.

Outermost of the ASGI layers, so the Guard's own answers (413, the time limit's 503) are counted too. The label
is the matched route's template (`/api/centre/v1/cases/{case_id}`), never the raw path: a raw path would make a
series per case (unbounded cardinality) and put case ids into the metrics. A path that matched no route is
`unmatched`.
"""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter.metrics import Metrics


class Observed:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500  # an answer that never started counts as the server's failure

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.request(route, scope.get("method", ""), status, time.perf_counter() - started)
