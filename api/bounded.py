"""A centre JSON body's size in items, bounded before FastAPI validates it (MAX_ITEMS).

Why: FastAPI parses and validates a body on the event loop, and pydantic validates every item of an array before it
checks the array's length — a 4 MB body of a million `{}` parties held every request of every role for a minute
(attacker review). The byte limit (api/middleware.py) cannot see this: a million items fit in a few megabytes. So a
route of this class counts the items of a known client's large JSON body first (parsed in a worker thread) and
refuses more than MAX_ITEMS with a 422 naming the limit (a 401, before any parsing, without a known key; a known
one's call is recorded); FastAPI then reads the same body (Starlette keeps it on the request). The partner action
routes, which read their bodies themselves, call `within_items` (api/centre_partners.py). Nothing of ours sends
that many: the longest list a centre action takes is a roster of mediators.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from api.access import caller
from api.problems import Problem

MAX_ITEMS = 10_000  # array elements and object members in one body, at every depth together
_SMALL = 2 * MAX_ITEMS  # bytes: each item costs at least two ("0,"), so a body this short cannot hold more


class BoundedRoute(APIRoute):
    """An APIRoute whose JSON body may hold at most MAX_ITEMS items (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def bounded(request: Request) -> Response:
            try:
                body = await request.body()
            except ClientDisconnect:  # the client went away mid-body: FastAPI's own read answers as it does
                return await handler(request)
            await within_items(request, body)
            return await handler(request)

        return bounded


async def within_items(request: Request, body: bytes) -> None:
    """Problem 422 (`too_many_items`) if `body`, a large JSON body of a known client, holds more than MAX_ITEMS
    items; a 401 first if the caller's key is not known (as the route's own check would say, before anything is
    parsed for an anonymous caller). Counted in a worker thread."""
    if len(body) <= _SMALL or "json" not in request.headers.get("content-type", "").lower():
        return
    await run_in_threadpool(caller, request)  # names the client for the audit record, or raises the 401
    if await run_in_threadpool(count_items, body) > MAX_ITEMS:
        message = f"the body holds more than {MAX_ITEMS} items (array elements and object members)"
        rule = {"field": "body", "rule": "too_many_items", "message": message}
        raise Problem(422, "validation", f"the request is not valid: {message}", errors=[rule])


def count_items(body: bytes) -> int:
    """The array elements and object members of the JSON document `body`, counted up to MAX_ITEMS + 1 (then it
    stops); 0 for a body that is not JSON (FastAPI refuses it, naming why)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep: FastAPI's own answer says so
        return 0
    count, pending = 0, [doc]
    while pending and count <= MAX_ITEMS:
        value = pending.pop()
        if isinstance(value, dict):
            count += len(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            count += len(value)
            pending.extend(value)
    return count
