"""Connector for an institution's complaint desk over REST ("complaint-desk" profile), behind
connectors/desk_port.ComplaintDesk; its twin is mappings/complaint_desk.py.

Endpoints (relative to base_url):
  POST /api/desk/v1/messages            one signed message; Idempotency-Key = message id
       → {"code": "0", "xxbh": message id, "cf": true if applied before, "jgslh": desk ref or absent}
  GET  /api/desk/v1/feed?cursor=C&limit=N
       → {"items": [{"seq", "body", "headers"}], "next_cursor"}   (headers: the desk's signature over body)
  POST /api/desk/v1/complaints/status   {"tsbh": [...]} → {"complaints": {tsbh: status code | null}}
Every request is signed under the platform's profile (signing/) over its body and "METHOD <full URL>"; transport
failures are translated once, by connectors/rest_client.py (5xx/408/429/timeouts → TransientError, 401 →
CredentialsRefused, other 4xx → RejectedError — an unknown complaint is 404 `unknown_complaint`).

`decode` verifies the desk's signature over the item's exact bytes with the platform's verifier (the one item
bytes a pulled feed and a push both carry), binds the signed message id to the body's, then maps the wire to the
canonical message: a bad signature, bad bytes or an unknown code are a PayloadError (quarantine, never applied).
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests

from connectors.desk_port import DeskReceipt, DeskStatus
from connectors.http import MAX_RESPONSE_BYTES, verified_decode
from connectors.port import FeedPage, RawInbound, RejectedError, RequestSigner, TransientError
from connectors.rest_client import SignedJsonClient
from mappings import complaint_desk
from mappings.times import DEFAULT_FORM, TimestampForm
from reference.errors import UnknownCode
from schemas.complaint import ComplaintEnvelope
from signing.base import MessageVerifier

MESSAGES = "/api/desk/v1/messages"
FEED = "/api/desk/v1/feed"
STATUS = "/api/desk/v1/complaints/status"


class ComplaintDeskRest(SignedJsonClient):
    """One institution's desk. `signer` signs our requests; `verifier` checks the desk's items (its public key or
    shared secret, per its signing profile)."""

    transport = "rest"

    def __init__(
        self,
        name: str,
        base_url: str,
        signer: RequestSigner,
        verifier: MessageVerifier,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timestamps: TimestampForm = DEFAULT_FORM,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            name, base_url, signer, session=session, timeout=timeout, clock=clock, max_response_bytes=max_response_bytes
        )
        self.verifier = verifier
        self.timestamps = timestamps  # the form of every time in this desk's messages, both ways

    def send(self, envelope: ComplaintEnvelope) -> DeskReceipt:
        body = complaint_desk.encode(envelope, self.name, self.timestamps)
        doc = self._call("POST", MESSAGES, body, message_id=envelope.message_id)
        code = str(doc.get("code", ""))
        if code != "0":  # institution gateways answer HTTP 200 with a business error too
            raise RejectedError(
                self.name, code or "missing", f"answered without success: {doc.get('message', '')}"[:300]
            )
        if doc.get("xxbh") != envelope.message_id:
            raise TransientError(self.name, f"receipt names message {doc.get('xxbh')!r}, not {envelope.message_id!r}")
        ref = doc.get("jgslh")
        if ref is not None and (not isinstance(ref, str) or not ref or len(ref) > 64):
            raise TransientError(self.name, "receipt's desk reference (jgslh) is not a reference")
        return DeskReceipt(envelope.message_id, duplicate=doc.get("cf") is True, desk_ref=ref)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        return self._feed_page(f"{FEED}?{urlencode({'cursor': cursor or '0', 'limit': limit})}")

    def decode(self, item: RawInbound) -> ComplaintEnvelope:
        return verified_decode(
            self.name, self.verifier, item, lambda p, b: complaint_desk.decode(p, b, self.timestamps)
        )

    def query_status(self, complaint_ids: Sequence[str]) -> dict[str, DeskStatus | None]:
        body = json.dumps({"tsbh": list(complaint_ids)}, separators=(",", ":")).encode()
        doc = self._call("POST", STATUS, body)
        try:
            known = doc["complaints"]
            omitted = [cid for cid in complaint_ids if cid not in known]
            if omitted:  # "unknown" must be said (null), never inferred from a short answer: it triggers re-sends
                raise TransientError(self.name, f"status answer omits {len(omitted)} of the complaints asked about")
            answer = {cid: complaint_desk.decode_status(self.name, known[cid]) for cid in complaint_ids}
        except (KeyError, TypeError, AttributeError, UnknownCode) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc
        return {cid: None if value is None else DeskStatus(value) for cid, value in answer.items()}
