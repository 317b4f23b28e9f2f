"""POST /api/desks/v1/{platform}/messages: the push intake of an institution's complaint desk (partners.md §1, §6;
adapter/complaints/desk_push.py).

The body is one signed item's exact bytes — what the desk's feed would carry — and its signature travels in the
headers of the desk's signing profile. Authenticated twice: the desk's API key (bearer, role `desk:<platform>`)
AND the desk's signature over the raw bytes, verified with THAT desk's profile. A desk pushes only as itself: a key
of another desk is a 403, and court, centre, ops and admin keys are 403 too (the `desk` group admits desk roles
only). A platform not configured as a desk is a 404; a desk that is polled (mode = "poll"), a 409.

Answered after everything is committed, quickly (nothing is sent from here), with a receipt signed by our signer
for that desk: 200 `accepted` or `duplicate` (with the first result); a refused item is kept in quarantine with its
original bytes and answered 422 with its reason (400 unreadable, 413 oversized) — 401/403/404 stay the API key's.
"""

import json
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapter.complaints.desk_push import ACCEPTED, DUPLICATE, DeskPushed, PushDesk, receive_from_desk, store_apply
from adapter.platforms.signers import build_signer, build_verifier
from api.access import context, require
from api.clients import Client
from api.models import problem_responses
from api.problems import Problem
from connectors.port import without_credentials
from scheduler.complaints import ComplaintRuntime
from schemas.clock import china_iso
from signing.base import MessageSigner

router = APIRouter(prefix="/api/desks/v1", tags=["desks"])
Desk = Annotated[Client, Depends(require("desk"))]
# a conflict (a re-send with other content than what was applied, #19) is a 409, as an HTTP conflict
_REFUSED_STATUS = {"oversized": 413, "undecodable": 400, "conflict": 409, "conflicting_answer": 409}


@router.post("/{platform}/messages", responses=problem_responses(401, 403, 404, 409))
async def push_message(request: Request, platform: str, client: Desk) -> Response:
    """One message the desk pushes (an acknowledgement, an extension, a decision, a payment …), signed."""
    if client.role.platform != platform:
        raise Problem(
            403,
            "forbidden",
            f"role {client.role} may push only as itself: POST /api/desks/v1/{client.role.platform}/messages",
        )
    ctx = context(request)
    desks: dict[str, PushDesk] = request.app.state.desks
    link = desks.get(platform)
    if link is None:
        configured = ctx.settings.desks.get(platform)
        if configured is not None and configured.mode != "push":  # as a polled court's push intake: 409, not 404
            raise Problem(409, "push-off", f'desk {platform!r} is polled (mode = "poll"): its push intake is off')
        raise Problem(404, "desk-not-found", f"desk {platform!r} is not configured here ([desks.{platform}])")
    limit, window = link.max_bytes, link.window
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            break
    headers = without_credentials(request.headers)  # kept with the item: our key, cookies … are not
    pushed = await run_in_threadpool(
        receive_from_desk,
        ctx.uow,
        link.connector,
        link.verifier,
        store_apply(ctx.uow, platform, ctx.clock),
        body,
        headers,
        ctx.clock,
        max_bytes=limit,
        window=window,
    )
    return _answer(platform, pushed, ctx.clock(), link.signer)


def push_desks(complaints: ComplaintRuntime) -> dict[str, PushDesk]:
    """The desks whose settings say mode = "push", each with its connector, the verifier of its own signing profile,
    its `push_max_bytes` / `push_window_seconds`, and our signer for it (the answers are signed)."""
    return {
        name: PushDesk(
            complaints.desks[name],
            build_verifier(config.signing, platform=name),
            max_bytes=config.push_max_bytes,
            window=timedelta(seconds=config.push_window_seconds),
            signer=build_signer(config.signing, platform=name, clock=complaints.clock),
        )
        for name, config in complaints.settings.desks.items()
        if config.mode == "push" and name in complaints.desks
    }


def _answer(platform: str, pushed: DeskPushed, now: datetime, signer: MessageSigner | None) -> Response:
    """The receipt: JSON, signed with our signer for the desk (its profile's headers) when there is one."""
    answer: dict[str, Any] = {
        "receipt_id": uuid.uuid4().hex,
        "platform": platform,
        "result": pushed.result,
        "message_id": pushed.message_id,
        "complaint_id": pushed.complaint_id,
        "reason": pushed.reason or None,
        "detail": pushed.detail or None,
        "first_result": pushed.first or None,
        "quarantine_id": pushed.quarantine_id,
        "at": china_iso(now),
    }
    return signed_receipt(answer, now, signer)


def signed_receipt(answer: dict[str, Any], now: datetime, signer: MessageSigner | None) -> Response:
    """A push intake's receipt (`answer` with receipt_id, result and reason) as JSON, signed with our signer for the
    counterpart (its profile's headers) when there is one: 200 accepted or duplicate; a refusal 422 (400
    undecodable, 413 oversized, 409 conflict)."""
    body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    headers = dict(signer.sign(body, message_id=answer["receipt_id"], at=now)) if signer is not None else {}
    ok = answer["result"] in (ACCEPTED, DUPLICATE)
    status = 200 if ok else _REFUSED_STATUS.get(answer["reason"] or "", 422)
    return Response(body, status_code=status, media_type="application/json", headers=headers)
