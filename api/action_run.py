"""One centre action run under its Idempotency-Key and version guard, answered, replayed or refused — shared by the
case actions (api/centre_actions.py) and the complaint actions (api/centre_complaints.py), which differ only in
their transaction, their use cases, the duplicate their registration raises and where a created record lives.

A use case's refusal (404, 409, 422) is remembered under the key, so a retry gets the same answer; a request whose
key's first call committed meanwhile (its row refused ours) gets that first answer again.
"""

from collections.abc import Callable
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from api.access import ApiContext
from api.idempotency import Call, Replay, Stored, remember_refusal, replay_after_conflict
from api.problems import Problem

REMEMBERED = (404, 409, 422)  # refusals by the use case: nothing changed, the same answer is given again


class Guarded(Protocol):
    """The action's transaction (api/keyed_tx.py: cases, complaints, partner records): its stored answer."""

    result: Stored | None


def answer(
    stored: Stored, *, location: Callable[[dict[str, Any]], str] | None = None, replayed: bool = False
) -> JSONResponse:
    """The stored answer as a response: its ETag, a 201's Location (from its body), and whether it is a replay."""
    headers = {"ETag": stored.etag} if stored.etag else {}
    if stored.status_code == 201 and location is not None:
        headers["Location"] = location(stored.body)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    media = "application/json" if stored.status_code < 400 else "application/problem+json"
    return JSONResponse(stored.body, status_code=stored.status_code, headers=headers, media_type=media)


def run(
    request: Request,
    ctx: ApiContext,
    call: Call,
    tx: Guarded,
    do: Callable[[], object],
    *,
    refuse: Callable[[Exception], Problem | None],
    duplicate: type[Exception],
    location: Callable[[dict[str, Any]], str],
) -> JSONResponse:
    """Run `do` (the use case over `tx`); `refuse` maps a use case's refusal to its problem (None: not a refusal),
    `duplicate` is what a second registration of one record raises. Raises the Problem, or what is not a refusal."""
    try:
        do()
    except Replay as replay:
        request.state.replayed = True
        return answer(replay.stored, location=location, replayed=True)
    except (IntegrityError, duplicate) as exc:
        # The same key's first request committed meanwhile (a registration has no row lock to queue on); when its
        # record is what refused this one's (the duplicate), the retry gets the first 201.
        stored = replay_after_conflict(ctx.uow, call)
        if stored is not None:
            request.state.replayed = True
            return answer(stored, location=location, replayed=True)
        if not isinstance(exc, duplicate):
            raise
        raise remembered(refuse(exc), exc, ctx, call) from None
    except Exception as exc:
        problem = refuse(exc)
        if problem is None:
            raise
        raise remembered(problem, exc, ctx, call) from None
    assert tx.result is not None  # the use case committed through the guard
    request.state.audited = True  # written in the action's own transaction
    return answer(tx.result, location=location)


def remembered(problem: Problem | None, exc: Exception, ctx: ApiContext, call: Call) -> Problem:
    """The refusal's problem, kept under the call's key when the same answer is due again (404, 409, 422)."""
    assert problem is not None  # the caller asked
    if problem.status in REMEMBERED and not isinstance(exc, Problem):
        body = {**problem.body(call.path), "request_id": call.request_id}
        remember_refusal(ctx.uow, call, body, problem.status, ctx.clock())
    return problem
