"""GET /api/centre/v1/events: the centre events (adapter/events/) for a system that cannot receive webhooks.

Oldest first, by the store's order; `after` is the previous page's next_cursor (api/cursor.py: an opaque cursor,
here naming the last event's time and position). Each event has a stable id (what a receiver dedupes by, the same
as a webhook's `webhook-id`), its type, case id, time (UTC, ISO 8601) and masked data. The last page's next_cursor
is still given (the position to poll from), with `more` false.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from adapter.events.store import page
from api import cursor
from api.access import context, require
from api.clients import Client
from api.models import problem_responses
from api.problems import Problem

router = APIRouter(prefix="/api/centre/v1", tags=["centre events"])
Centre = Annotated[Client, Depends(require("centre"))]
_FILTERS: dict[str, Any] = {"list": "events"}
_START = datetime(1970, 1, 1, tzinfo=UTC)  # the position before every event: an empty first page's next_cursor


class EventItem(BaseModel):
    id: str
    type: str
    case_id: str | None
    time: str
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventItem]
    next_cursor: str | None
    more: bool


@router.get("/events", response_model=EventPage, responses=problem_responses(401, 403, 422))
def list_events(
    request: Request,
    client: Centre,
    after: Annotated[str | None, Query(description="next_cursor of the previous page; none: from the first.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor_: Annotated[
        str | None, Query(alias="cursor", description="The same as `after` (the name GET /cases uses).")
    ] = None,
) -> EventPage:
    """Centre events after the cursor, oldest first. 422 (`query.cursor`) when `after` and `cursor` differ."""
    ctx = context(request)
    # /cases pages with `cursor`; a client paging both alike must not get the first page again and again
    if cursor_ is not None and after is not None and cursor_ != after:
        message = "give the previous page's next_cursor once, as after or as cursor, not two different ones"
        raise Problem(422, "validation", message, errors=[{"field": "query.cursor", "rule": "one", "message": message}])
    name = "after" if after is not None else "cursor"  # a refusal names the parameter the client sent
    after = after if after is not None else cursor_
    position = 0
    if after is not None:
        try:
            position = int(cursor.decode(after, _FILTERS).case_id)
        except (cursor.BadCursor, ValueError):
            message = f"{name} is not a cursor this API issued (use next_cursor as given)"
            raise Problem(
                422, "validation", message, errors=[{"field": f"query.{name}", "rule": "cursor", "message": message}]
            ) from None
    with ctx.reads.begin() as session:
        events = page(session.connection(), after=position, limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    token = after if after is not None else cursor.encode(cursor.Position(_START, "0"), _FILTERS)  # never null
    if events:
        token = cursor.encode(cursor.Position(events[-1].at, str(events[-1].position)), _FILTERS)
    return EventPage(items=[EventItem(**event.document()) for event in events], next_cursor=token, more=more)
