"""POST /api/partners/v1/{partner}/messages: the push intake of a docking partner whose settings say
`mode = "push"` (partners.md §0, §6; adapter/partners/push.py).

The body is one signed item's exact bytes — what the partner's feed would carry — its signature in the headers of
the partner's signing profile. Authenticated twice: the partner's API key (bearer, role `partner:<name>`) AND its
signature over the raw bytes, verified with THAT partner's profile. A partner pushes only as itself: another
partner's key is a 403 (and court, desk, centre, ops and admin keys too); a message naming another partner, another
kind or another partner's record is refused (wrong_partner / wrong_kind) and kept. A name not configured as a
partner is a 404; a partner that is pulled, a 409.

Answered after everything is committed, with a receipt signed by our signer for that partner: 200 `accepted` or
`duplicate` (with the first result); a refused item is kept in quarantine with its bytes and answered 422 with its
reason (400 undecodable, 413 oversized).
"""

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from adapter.inbox.signed_push import Pushed
from adapter.partners.push import PushPartner, receive_pushed
from adapter.persistence import partner_store as store
from adapter.platforms.signers import build_signer, build_verifier
from api.access import context, require
from api.clients import Client
from api.desk_push import signed_receipt
from api.models import problem_responses
from api.problems import Problem
from scheduler.partners import PartnerRuntime
from schemas.clock import china_iso
from signing.base import MessageSigner

router = APIRouter(prefix="/api/partners/v1", tags=["partners"])
Partner = Annotated[Client, Depends(require("partner"))]


@router.post("/{partner}/messages", responses=problem_responses(401, 403, 404, 409))
async def push_message(request: Request, partner: str, client: Partner) -> Response:
    """One message the partner pushes (an offer, an acceptance, a fee notice, a certification …), signed."""
    if client.role.platform != partner:
        raise Problem(
            403, "forbidden",
            f"role {client.role} may push only as itself: POST /api/partners/v1/{client.role.platform}/messages",
        )  # fmt: skip
    ctx = context(request)
    links: dict[str, PushPartner] = getattr(request.app.state, "partner_push", {})
    link = links.get(partner)
    if link is None:
        configured = ctx.settings.partners.get(partner)
        if configured is not None and configured.mode != "push":
            raise Problem(409, "push-off", f'partner {partner!r} is pulled (mode = "pull"): its push intake is off')
        raise Problem(404, "partner-not-found", f"partner {partner!r} is not configured here ([partners.{partner}])")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > link.max_bytes:
            break
    headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    pushed = await run_in_threadpool(receive_pushed, ctx.uow, link, body, headers, ctx.clock)
    with ctx.reads.begin() as session:
        record_id = _record_of(session, partner, pushed)
    return _answer(partner, pushed, record_id, ctx.clock(), link.signer)


def _record_of(session: Session, partner: str, pushed: Pushed) -> str | None:
    """Our record the applied message is about (an opening offer names only the partner's reference)."""
    envelope = pushed.envelope
    if envelope is None or pushed.reason:
        return None
    if envelope.record_id is not None or envelope.partner_ref is None:
        return str(envelope.record_id) if envelope.record_id else None
    row = store.find_by_ref(session, partner, envelope.partner_ref, lock=False)
    return row.record_id if row is not None else None


def push_partners(partners: PartnerRuntime | None) -> dict[str, PushPartner]:
    """The partners whose settings say mode = "push", each with its port (the decoder), the verifier of its own
    signing profile, its rules, push_max_bytes / push_window_seconds, and our signer for it."""
    if partners is None:
        return {}
    return {
        name: PushPartner(
            partners.ports[name],
            build_verifier(config.signing, platform=name),
            partners.rules_for(name, config.kind.value),
            max_bytes=config.push_max_bytes,
            window=timedelta(seconds=config.push_window_seconds),
            signer=build_signer(config.signing, platform=name, clock=partners.clock),
        )
        for name, config in partners.settings.partners.items()
        if config.mode == "push" and name in partners.ports
    }


def _answer(
    partner: str, pushed: Pushed, record_id: str | None, now: datetime, signer: MessageSigner | None
) -> Response:
    """The receipt: JSON, signed with our signer for the partner (its profile's headers)."""
    envelope = pushed.envelope
    answer: dict[str, Any] = {
        "receipt_id": uuid.uuid4().hex,
        "partner": partner,
        "result": pushed.result,
        "message_id": pushed.message_id,
        "record_id": record_id,
        "partner_ref": envelope.partner_ref if envelope is not None else None,
        "reason": pushed.reason or None,
        "detail": pushed.detail or None,
        "first_result": pushed.first or None,
        "quarantine_id": pushed.quarantine_id,
        "at": china_iso(now),
    }
    return signed_receipt(answer, now, signer)
