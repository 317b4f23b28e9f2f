"""GET /api/court/v1/cases/{ref}: a court's status query on one of *its* cases (partners.md §6: for when its
resends run out) — what it should show for the case and the state of each message we owe it.

A court role sees only its own platform's cases: another platform's case, named by any of its ids, is the same
404 as a case that does not exist, so a court learns nothing of cases that are not its own.

POST /api/court/v1/{dispatches,decisions,receipts}: the push intake of a platform whose settings say mode = "push"
(adapter/inbox/push.py). The platform is the one the court's key names (a court cannot push as another: 404 for a
platform not configured, 409 for one that is polled); the request needs the key AND the platform's signature over
the raw bytes. The answer is a receipt signed with our signer for the platform, sent after the commit: 200 accepted
or duplicate (with the first result), 422 rejected with its reason (400 unreadable, 413 oversized), the item kept
in quarantine.
"""

import json
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import or_
from sqlalchemy.orm import defer
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from adapter.inbox.push import ACCEPTED, DUPLICATE, Pushed, receive
from adapter.inbox.push_receipts import receive_receipt
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.platforms.signers import build_signer
from adapter.states import CaseStatus, court_view
from api.access import context, require
from api.clients import Client
from api.models import problem_responses
from api.problems import Problem, not_found_case
from connectors.port import Feed, without_credentials
from schemas.clock import china_iso
from signing.base import MessageSigner

router = APIRouter(prefix="/api/court/v1", tags=["court"])
Court = Annotated[Client, Depends(require("court"))]


@router.get("/cases/{ref}", responses=problem_responses(401, 403, 404))
def case_status(request: Request, ref: str, client: Court) -> dict[str, Any]:
    """One of the calling court's cases, by our case id or the court's own; its status as the court should show
    it once every message is delivered, and each message's delivery state."""
    platform = client.role.platform
    query = (
        select(CaseRow)
        .where(col(CaseRow.platform) == platform, or_(col(CaseRow.id) == ref, col(CaseRow.platform_case_id) == ref))
        .options(defer(CaseRow.dispatch_json), defer(CaseRow.agreement_json))  # type: ignore[arg-type]
    )
    with context(request).reads.begin() as session:
        case = session.exec(query).first()
        if case is None:
            raise not_found_case(ref)
        messages = session.exec(
            select(OutboxRow)
            .where(OutboxRow.case_id == case.id)
            .order_by(col(OutboxRow.id))
            .options(defer(OutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]  # never opened here
        )
        sent = [
            {
                "message_id": m.message_id,
                "seq": m.seq,
                "type": m.type,
                "status": m.status,
                "delivered_at": china_iso(m.delivered_at) if m.delivered_at else None,
            }
            for m in messages
        ]
    return {
        "case_id": case.id,
        "court_case_id": case.platform_case_id,
        "case_number": case.case_number,
        "court_status": court_view(CaseStatus(case.status)).value,
        "messages": sent,
    }


# ---- push intake (adapter/inbox/push.py): a court whose platform says mode = "push" POSTs its feed items here.
# Authenticated twice: the court's API key (bearer, role court:<platform>) AND the platform's signature over the raw
# bytes (the verifier its polled feed would use). Answered with a receipt signed by our signer for that platform,
# after everything is committed.

_REFUSED_STATUS = {"oversized": 413, "malformed": 400, "undecodable": 400}


@router.post("/dispatches", responses=problem_responses(401, 403, 404, 409))
async def push_dispatch(request: Request, client: Court) -> Response:
    """A dispatch the court pushes: the same signed item its dispatch feed would carry."""
    return await _push(request, client, Feed.DISPATCHES)


@router.post("/decisions", responses=problem_responses(401, 403, 404, 409))
async def push_decision(request: Request, client: Court) -> Response:
    """A ruling or decision the court pushes: the same signed item its decisions feed would carry."""
    return await _push(request, client, Feed.DECISIONS)


@router.post("/receipts", responses=problem_responses(401, 403, 404, 409))
async def push_receipt(request: Request, client: Court) -> Response:
    """The court's receipt of one of our messages (applied, duplicate or rejected), signed by the court."""
    return await _push(request, client, None)


async def _push(request: Request, client: Client, feed: Feed | None) -> Response:
    ctx = context(request)
    platform = client.role.platform or ""  # a court pushes for its own platform only: its key names it
    config = ctx.settings.platforms.get(platform)
    link = request.app.state.platforms.get(platform)  # the runtime's links: their verifiers (api/app.py)
    if config is None or link is None:
        raise Problem(404, "platform-not-found", f"platform {platform!r} is not configured here")
    if config.mode != "push":
        raise Problem(409, "push-off", f'platform {platform!r} is polled (mode = "poll"): its push intake is off')
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > config.push_max_bytes:
            break
    headers = without_credentials(request.headers)  # kept with the item: our key, cookies … are not
    size, window = config.push_max_bytes, timedelta(seconds=config.push_window_seconds)
    if feed is None:
        pushed = await run_in_threadpool(
            receive_receipt, ctx.uow, link, body, headers, ctx.clock, max_bytes=size, window=window
        )
    else:
        pushed = await run_in_threadpool(
            receive, ctx.uow, link, feed, body, headers, ctx.clock, max_bytes=size, window=window
        )
    return _receipt(request, platform, pushed)


def _receipt(request: Request, platform: str, pushed: Pushed) -> Response:
    ctx = context(request)
    answer: dict[str, Any] = {
        "receipt_id": uuid.uuid4().hex,
        "platform": platform,
        "result": pushed.result,
        "message_id": pushed.message_id,
        "case_id": pushed.case_id,
        "reason": pushed.reason or None,
        "detail": pushed.detail or None,
        "first_result": pushed.first or None,
        "at": china_iso(ctx.clock()),
    }
    body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    signed = _signer(request, platform).sign(body, message_id=answer["receipt_id"], at=ctx.clock())
    # 401/403/404 stay the API key's: a refused item is 422 (400 unreadable, 413 oversized), its reason said
    status = 200 if pushed.result in (ACCEPTED, DUPLICATE) else _REFUSED_STATUS.get(pushed.reason, 422)
    return Response(body, status_code=status, media_type="application/json", headers=dict(signed))


def _signer(request: Request, platform: str) -> MessageSigner:
    """Our signer for `platform`, built once per app (a keyring's active key is chosen at each signing)."""
    signers: dict[str, MessageSigner] = request.app.state.__dict__.setdefault("push_signers", {})
    if platform not in signers:
        ctx = context(request)
        signers[platform] = build_signer(ctx.settings.platforms[platform].signing, platform=platform, clock=ctx.clock)
    return signers[platform]
