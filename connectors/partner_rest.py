"""The generic signed-JSON REST connector for docking partners (traffic platform, arbitration commission), behind
connectors/partner_port.PartnerPort; the kind's wire shape is a WireMapping (connectors/partner_wire.py: the
canonical envelope JSON unless a mapping in mappings/ is given).

Endpoints (relative to base_url):
  POST /messages                    one signed message (the mapping's JSON); Idempotency-Key = message id
       → {"code": "0", "message_id": id, "duplicate": true if applied before, "partner_ref": ref or absent}
  GET  /feed?cursor=C&limit=N       → {"items": [{"seq", "body", "headers"}], "next_cursor"}
                                      (headers: the partner's signature over body)
  POST /status {"record_ids": [...]} → {"records": {id: {"status", "partner_ref", "detail"} | null}}
  GET  /statistics?month=YYYY-MM    → {"counts": {name: int} | null}   (null: the partner keeps none)
Every request is signed under the partner's profile (signing/) over its body and "METHOD <full URL>"; transport
failures are translated once, by connectors/rest_client.py (5xx/408/429/timeouts → TransientError, 401/403 →
CredentialsRefused, other 4xx → RejectedError). `decode` verifies the partner's signature over the item's exact
bytes, binds the signed message id to the body's, maps the wire to the envelope and checks the body against the
kind's model: any failure is a PayloadError (quarantine, never applied).
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import BaseModel

from connectors.http import MAX_RESPONSE_BYTES, decoded
from connectors.partner_port import PartnerReceipt, PartnerStatus
from connectors.partner_wire import CanonicalWire, WireMapping, check_body
from connectors.port import FeedPage, PayloadError, RawInbound, RejectedError, RequestSigner, TransientError
from connectors.rest_client import _ESCAPED, SignedJsonClient
from mappings.codes import MalformedPayload
from schemas.partner import PartnerEnvelope, PartnerKind
from signing.base import MessageVerifier
from signing.errors import SignatureInvalid


class PartnerRest(SignedJsonClient):
    """One partner over signed JSON. `signer` signs our requests; `verifier` checks the partner's items; `wire`
    the kind's mapping; `bodies` the kind's body_model (validates decoded bodies; None: not checked here)."""

    transport = "rest"

    def __init__(
        self,
        name: str,
        kind: PartnerKind,
        base_url: str,
        signer: RequestSigner,
        verifier: MessageVerifier,
        *,
        wire: WireMapping | None = None,
        bodies: Callable[[str], type[BaseModel]] | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            name, base_url, signer, session=session, timeout=timeout, clock=clock, max_response_bytes=max_response_bytes
        )
        self.kind, self.verifier = kind, verifier
        self.wire: WireMapping = wire or CanonicalWire()
        self.bodies = bodies

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        body = json.dumps(self.wire.encode(envelope), ensure_ascii=False, separators=(",", ":")).encode()
        doc = self._call("POST", "/messages", body, message_id=envelope.message_id)
        code = str(doc.get("code", ""))
        if code != "0":  # gateways answer HTTP 200 with a business error too
            raise RejectedError(
                self.name, code or "missing", f"answered without success: {doc.get('message', '')}"[:300]
            )
        if doc.get("message_id") != envelope.message_id:
            raise TransientError(self.name, f"receipt names {doc.get('message_id')!r}, not {envelope.message_id!r}")
        ref = doc.get("partner_ref")
        if ref is not None and (not isinstance(ref, str) or not ref or len(ref) > 64):
            raise TransientError(self.name, "receipt's partner_ref is not a reference")
        return PartnerReceipt(envelope.message_id, duplicate=doc.get("duplicate") is True, partner_ref=ref)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        doc = self._call("GET", f"/feed?{urlencode({'cursor': cursor or '0', 'limit': limit})}", b"")
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
        envelope = decoded(self.name, lambda _p, b: self.wire.decode(_object(b)), item.body)
        if signed.message_id is not None and signed.message_id != envelope.message_id:
            raise PayloadError(
                self.name,
                SignatureInvalid.MISMATCH,
                f"signed for message {signed.message_id!r}, but the body is message {envelope.message_id!r}",
            )
        if self.bodies is not None:
            check_body(self.name, envelope, self.bodies)
        return envelope

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        body = json.dumps({"record_ids": list(record_ids)}, separators=(",", ":")).encode()
        doc = self._call("POST", "/status", body)
        known = doc.get("records")
        if not isinstance(known, dict):
            raise TransientError(self.name, "status answer lacks records")
        omitted = [rid for rid in record_ids if rid not in known]
        if omitted:  # "unknown" must be said (null), never inferred from a short answer: it triggers re-sends
            raise TransientError(self.name, f"status answer omits {len(omitted)} of the records asked about")
        try:
            return {rid: _status(known[rid]) for rid in record_ids}
        except (KeyError, TypeError, ValueError) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc

    def statistics(self, month: str) -> dict[str, int] | None:
        doc = self._call("GET", f"/statistics?{urlencode({'month': month})}", b"")
        counts = doc.get("counts")
        if counts is None:
            return None
        if not isinstance(counts, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts.values()
        ):
            raise TransientError(self.name, "statistics answer is not a table of counts")
        return {str(k): int(v) for k, v in counts.items()}


def _object(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"not JSON: {exc}") from exc
    except RecursionError:  # a signed body nested past the parser's stack: refused as such, never a server error
        raise MalformedPayload("the body nests JSON too deeply to parse") from None
    if not isinstance(doc, dict):
        raise MalformedPayload("not a JSON object")
    return doc


def _status(value: Any) -> PartnerStatus | None:
    if value is None:
        return None
    status, ref, detail = value["status"], value.get("partner_ref"), value.get("detail", "")
    if not isinstance(status, str) or not status or (ref is not None and not isinstance(ref, str)):
        raise ValueError("status or partner_ref is not text")
    return PartnerStatus(status, ref, str(detail)[:300])
