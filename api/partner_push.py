"""POST /api/partners/v1/{partner}/messages: the push intake of a docking partner whose settings say
`mode = "push"` (partners.md §0, §6; adapter/partners/push.py, the desks' intake shared).

The body is one signed item's exact bytes — what the partner's feed would carry — its signature in the headers of
the partner's signing profile. Authenticated twice: the partner's API key (bearer, role `partner:<name>`) AND its
signature over the raw bytes, verified with THAT partner's profile. A partner pushes only as itself: another
partner's key is a 403 (and court, desk, centre, ops and admin keys too); a message naming another partner, another
kind or another partner's record is refused (wrong_partner / wrong_kind) and kept. A name not configured as a
partner is a 404; a partner that is pulled, a 409.

Answered after everything is committed, with a receipt signed by our signer for that partner: 200 `accepted` or
`duplicate` (with the first result: `accepted` — only an applied item is a duplicate); a refused item is kept in
quarantine with its bytes and answered 422 with its reason (400 undecodable, 413 oversized, 409 conflict: a re-send
with other content than what was applied), each time it comes — a refusal is never answered 2xx (#19).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapter.complaints.desk_push import ACCEPTED, DUPLICATE, PUSH_WINDOW, REJECTED, DeskPushed
from adapter.partners.push import receive_pushed
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.signers import build_signer, build_verifier
from api.access import context, require
from api.clients import Client
from api.desk_push import signed_receipt
from api.models import problem_responses
from api.problems import TYPE_BASE, Problem
from connectors.partner_port import PartnerPort
from connectors.port import PayloadError, RawInbound, without_credentials
from scheduler.partners import PartnerRuntime
from schemas.clock import china_iso
from signing.base import MessageSigner, MessageVerifier

router = APIRouter(prefix="/api/partners/v1", tags=["partners"])


@dataclass(frozen=True)
class PushPartner:
    """What the push intake needs of one partner in push mode: its port (the decoder: wire mapping and the kind's
    bodies), the verifier of its signing profile, its rules, the largest item (bytes) and the signed-time window it
    may push with, and our signer for it (the receipt is signed; None: unsigned)."""

    port: PartnerPort
    verifier: MessageVerifier
    rules: Any
    max_bytes: int = 1_048_576
    window: timedelta = PUSH_WINDOW
    signer: MessageSigner | None = None


Partner = Annotated[Client, Depends(require("partner"))]


def _header(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": text}


# The route reads the raw bytes (the signature is over them), so FastAPI knows neither the body nor the headers:
# documented here. Which signature headers a partner sends is its signing profile's ([partners.<name>.signing]).
PUSH_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One item of the partner's feed, its exact bytes (the signature covers them): the partner's "
        "wire JSON (mappings/), at most push_max_bytes.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    "parameters": [
        _header("X-App-Key", "hmac-appkey profile: the partner's app key id."),
        _header("X-Key-Id", "sm2 profile: the partner's key id."),
        _header("X-Timestamp", "hmac-appkey / sm2: the signing time (within push_window_seconds of ours)."),
        _header("X-Nonce", "hmac-appkey / sm2: the message id (a repeat is answered `duplicate`)."),
        _header("X-Signature-Method", "hmac-appkey: the MAC (e.g. HMAC-SHA256, HMAC-SM3)."),
        _header("X-Signature", "hmac-appkey / sm2: the signature over the body."),
        _header("X-JWS-Signature", "jws profile: the detached JWS over the body."),
    ],
}
_RECEIPT: dict[str, Any] = {
    "description": "the signed receipt: result accepted or duplicate (first_result), the record it applied to; "
    "signed with our signer for the partner in its profile's headers (as the request's)",
}
_REFUSED: dict[int | str, dict[str, Any]] = {
    code: {
        "description": f"refused ({code}): the signed receipt as RFC 9457 problem+json — `reason` the rule, `detail`, "
        "`quarantine_id` where the item is kept with its bytes",
        "content": {"application/problem+json": {"schema": {"type": "object"}}},
    }
    for code in (400, 413, 422)
}


@router.post(
    "/{partner}/messages", openapi_extra=PUSH_OPENAPI,
    responses={200: _RECEIPT, **_REFUSED, **problem_responses(401, 403, 404, 409)},
)  # fmt: skip
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
    headers = without_credentials(request.headers)  # kept with the item: our key, cookies … are not
    pushed = await run_in_threadpool(
        lambda: receive_pushed(ctx.uow, link.port, link.verifier, body, headers, ctx.clock, link.rules,
                               max_bytes=link.max_bytes, window=link.window)
    )  # fmt: skip
    ref, record_id = None, pushed.complaint_id  # the record id, when the message named one
    if pushed.result != REJECTED and pushed.message_id is not None:
        ref, record_id = await run_in_threadpool(_record_of, ctx.reads, link.port, partner, body, headers, record_id)
    return _answer(partner, pushed, ref, record_id, ctx.clock(), link.signer)


def _record_of(reads: UnitOfWork, port: PartnerPort, partner: str, body: bytes, headers: dict[str, str],
               named: str | None) -> tuple[str | None, str | None]:  # fmt: skip
    """The partner's reference and our record the applied message is about: an opening offer names only its
    reference, so the committed record is found by it (the item decoded again: it was verified and applied)."""
    try:
        envelope = port.decode(RawInbound(body=body, headers=headers))
    except PayloadError:
        return None, named
    if named is not None or envelope.partner_ref is None:
        return envelope.partner_ref, named
    with reads.begin() as session:
        row = store.find_by_ref(session, partner, envelope.partner_ref, lock=False)
    return envelope.partner_ref, row.record_id if row is not None else None


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
    partner: str, pushed: DeskPushed, ref: str | None, record_id: str | None, now: datetime,
    signer: MessageSigner | None,
) -> Response:  # fmt: skip
    """The receipt: JSON, signed with our signer for the partner (its profile's headers); a refusal's is an RFC 9457
    problem (its `type` and `title` members; application/problem+json), as every other refusal of the API."""
    answer: dict[str, Any] = {
        "receipt_id": uuid.uuid4().hex,
        "partner": partner,
        "result": pushed.result,
        "message_id": pushed.message_id,
        "record_id": record_id,
        "partner_ref": ref,
        "reason": pushed.reason or None,
        "detail": pushed.detail or None,
        "first_result": pushed.first or None,
        "quarantine_id": pushed.quarantine_id,
        "at": china_iso(now),
    }
    refused = pushed.result not in (ACCEPTED, DUPLICATE)
    if refused:
        answer = {"type": f"{TYPE_BASE}push-refused", "title": "Push refused", **answer}
    response = signed_receipt(answer, now, signer)
    if refused:  # the signature is over the body alone: the media type may say what the body is
        response.headers["content-type"] = "application/problem+json"
    return response
