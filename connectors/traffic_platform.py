"""Connector for the road-traffic accident platform (道交一体化) over signed JSON REST ("traffic-platform"
profile), a PartnerPort (connectors/partner_port.py); its twin is mappings/traffic_platform.py.

Endpoints (relative to base_url), as agreed with the platform (partners.md §2: bilateral, *inference*):
  POST /api/traffic/v1/messages          one signed message; Idempotency-Key = message id
       → {"code": "0", "msgId", "result": "accepted" | "duplicate", "serialNo"}   (4xx: refused, never retried)
  GET  /api/traffic/v1/feed?cursor=C&limit=N → {"items": [{"seq", "body", "headers"}], "next_cursor"}
  POST /api/traffic/v1/cases/status      {"bizNos": [...]} → {"cases": {bizNo: {"status", "serialNo"} | null}}
  GET  /api/traffic/v1/statistics?month=YYYY-MM → {"counts": {status: n}}
Every request is signed under the partner's profile (signing/) over its body and "METHOD <full URL>"; transport
failures are translated once, by connectors/rest_client.py (5xx/408/429/timeouts → TransientError, 401 →
CredentialsRefused, other 4xx → RejectedError).

`decode` verifies the platform's signature over the item's exact bytes (a pulled item and a pushed one carry the
same bytes), binds the signed message id to the body's, then maps the wire to the canonical envelope: a bad
signature or bad bytes are a PayloadError (quarantine, never applied).
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests

from connectors.http import MAX_RESPONSE_BYTES, decoded
from connectors.partner_port import PartnerReceipt, PartnerStatus
from connectors.port import FeedPage, PayloadError, RawInbound, RejectedError, RequestSigner, TransientError
from connectors.rest_client import _ESCAPED, SignedJsonClient
from mappings import traffic_platform as wire
from mappings.codes import MalformedPayload
from mappings.times import DEFAULT_FORM, TimestampForm
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.traffic import TrafficPartnerStatus
from signing.base import MessageVerifier
from signing.errors import SignatureInvalid

BASE = "/api/traffic/v1"


class TrafficPlatformRest(SignedJsonClient):
    """One traffic platform. `signer` signs our requests; `verifier` checks the platform's items."""

    kind = PartnerKind.TRAFFIC
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
        self.timestamps = timestamps  # the agreed form of every time, both ways

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        body = wire.encode(envelope, form=self.timestamps)
        doc = self._call("POST", f"{BASE}/messages", body, message_id=envelope.message_id)
        try:
            message_id, result, serial, reason = wire.read_receipt(doc)
        except MalformedPayload as exc:
            raise TransientError(self.name, f"receipt not understood: {exc}") from None
        if result == "rejected":  # a platform that refuses with HTTP 200 and a rejected receipt
            raise RejectedError(self.name, str(doc.get("code", "rejected")), reason or "rejected")
        if message_id != envelope.message_id:
            raise TransientError(self.name, f"receipt names message {message_id!r}, not {envelope.message_id!r}")
        return PartnerReceipt(envelope.message_id, duplicate=result == "duplicate", partner_ref=serial)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        doc = self._call("GET", f"{BASE}/feed?{urlencode({'cursor': cursor or '0', 'limit': limit})}", b"")
        items, next_cursor = doc.get("items"), doc.get("next_cursor")
        if not isinstance(items, list) or not isinstance(next_cursor, str | int) or isinstance(next_cursor, bool):
            raise TransientError(self.name, "feed page lacks items or next_cursor")  # the page, not one item
        escaped = doc.pop(_ESCAPED, False) is True
        return FeedPage(items=[self._raw_item(item, escaped) for item in items], next_cursor=str(next_cursor))

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        try:
            signed = self.verifier.verify(item.body, item.headers)
        except SignatureInvalid as exc:
            raise PayloadError(self.name, exc.reason, exc.detail) from exc
        envelope = decoded(self.name, lambda p, b: wire.decode(p, b, form=self.timestamps), item.body)
        if signed.message_id is not None and signed.message_id != envelope.message_id:
            raise PayloadError(
                self.name,
                SignatureInvalid.MISMATCH,
                f"signed for message {signed.message_id!r}, but the body is message {envelope.message_id!r}",
            )
        return envelope

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        body = json.dumps({"bizNos": list(record_ids)}, separators=(",", ":")).encode()
        doc = self._call("POST", f"{BASE}/cases/status", body)
        try:
            known = doc["cases"]
            omitted = [rid for rid in record_ids if rid not in known]
            if omitted:  # "unknown" must be said (null), never inferred from a short answer: it triggers re-sends
                raise TransientError(self.name, f"status answer omits {len(omitted)} of the records asked about")
            return {rid: _status(known[rid]) for rid in record_ids}
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc

    def statistics(self, month: str) -> dict[str, int] | None:
        doc = self._call("GET", f"{BASE}/statistics?{urlencode({'month': month})}", b"")
        counts = doc.get("counts")
        if not isinstance(counts, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts.values()
        ):
            raise TransientError(self.name, "statistics answer lacks whole-number counts")
        return {str(k): v for k, v in counts.items()}


def _status(entry: object) -> PartnerStatus | None:
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise TypeError("a case's status is not an object")
    serial = entry.get("serialNo")
    return PartnerStatus(TrafficPartnerStatus(entry["status"]).value, serial if isinstance(serial, str) else None)
