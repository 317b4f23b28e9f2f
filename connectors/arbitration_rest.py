"""Connector for an arbitration commission over REST ("arb-commission" profile), behind
connectors/partner_port.PartnerPort; its twin is mappings/arbitration.py, its sandbox sandbox/arbitration/.

Endpoints (relative to base_url), as agreed bilaterally with the commission (partners.md §3 Signing: bilateral):
  POST /api/arb/v1/messages          one signed message; Idempotency-Key = message id
       → {"code": "0000" accepted | "0001" duplicate, "msgId", "caseNo" once it has one, "message"}
  GET  /api/arb/v1/feed?cursor=C&limit=N → {"items": [{"seq", "body", "headers"}], "nextCursor"}
  POST /api/arb/v1/cases/status      {"centreRefs": [our record ids]} → {"cases": {id: status code | null}}
Every request is signed under the partner's profile (signing/) over its body and "METHOD <full URL>"; transport
failures are translated once, by connectors/rest_client.py (5xx/408/429/timeouts → TransientError, 401 →
CredentialsRefused, other 4xx → RejectedError with the commission's code: 2001 malformed, 3001 unknown case, 3002
wrong state). `decode` verifies the commission's signature over the item's exact bytes, binds the signed message id
to the body's and maps the wire to the canonical message, its body validated: a PayloadError otherwise.
"""

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from connectors.http import verified_decode
from connectors.partner_port import PartnerReceipt, PartnerStatus
from connectors.port import FeedPage, RawInbound, RejectedError, RequestSigner, TransientError
from connectors.rest_client import SignedJsonClient
from mappings import arbitration as wire
from mappings.codes import MalformedPayload
from reference.errors import UnknownCode
from schemas.partner import PartnerEnvelope, PartnerKind
from signing.base import MessageVerifier

MESSAGES, FEED, STATUS = "/api/arb/v1/messages", "/api/arb/v1/feed", "/api/arb/v1/cases/status"


class ArbitrationRest(SignedJsonClient):
    """One commission. `signer` signs our requests; `verifier` checks the commission's items (its public key or
    shared secret, per its signing profile)."""

    kind = PartnerKind.ARBITRATION
    transport = "rest"

    def __init__(self, name: str, base_url: str, signer: RequestSigner, verifier: MessageVerifier, **options: Any):
        super().__init__(name, base_url, signer, **options)
        self.verifier = verifier

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        doc = self._call("POST", MESSAGES, wire.encode(envelope), message_id=envelope.message_id)
        try:
            receipt = wire.decode_receipt(doc, self.name)
        except (MalformedPayload, UnknownCode) as exc:
            raise TransientError(self.name, f"receipt not understood: {exc}") from exc
        if receipt.refused:  # a commission answering HTTP 200 with a refusal code
            raise RejectedError(self.name, str(doc.get("code")), f"{receipt.result}: {receipt.message}"[:300])
        if receipt.message_id != envelope.message_id:
            raise TransientError(
                self.name, f"receipt names message {receipt.message_id!r}, not {envelope.message_id!r}"
            )
        return PartnerReceipt(envelope.message_id, duplicate=receipt.result == "duplicate", partner_ref=receipt.case_no)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        return self._feed_page(f"{FEED}?{urlencode({'cursor': cursor or '0', 'limit': limit})}", "nextCursor")

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        return verified_decode(self.name, self.verifier, item, lambda partner, body: wire.decode(body, partner))

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        doc = self._call("POST", STATUS, json.dumps({"centreRefs": list(record_ids)}).encode())
        try:
            known = doc["cases"]
            omitted = [rid for rid in record_ids if rid not in known]
            if omitted:  # "unknown" must be said (null), never inferred from a short answer: it triggers resends
                raise TransientError(self.name, f"status answer omits {len(omitted)} of the records asked about")
            answer = {rid: wire.decode_status(known[rid], self.name) for rid in record_ids}
        except (KeyError, TypeError, AttributeError, UnknownCode) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc
        return {rid: None if value is None else PartnerStatus(value) for rid, value in answer.items()}

    def statistics(self, month: str) -> dict[str, int] | None:
        return None  # a commission keeps no figures for the centre (partners.md §3: no public volumes)
