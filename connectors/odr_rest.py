"""Connector for JSON court ODR platforms ("odr-rest" profile), over requests; its twin is mappings/odr_rest.py.

Endpoints (relative to base_url):
  GET  /api/v1/feeds/{dispatches|decisions}?cursor=C&limit=N
       → {"items": [{"seq", "body", "kid", "sig"}], "next_cursor"}
  POST /api/v1/messages        one signed outbound message; Idempotency-Key = message id
  POST /api/v1/cases/status    {"ajbs": [...]} → {"cases": {ajbs: status code | null}}
Every request carries X-Key-Id / X-Signature over the body (POST) or over "GET <path?query>" (GET).
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn

import requests
from pydantic import ValidationError

from connectors.port import (
    BodySigner,
    Feed,
    FeedPage,
    PayloadError,
    RawInbound,
    Receipt,
    RejectedError,
    TransientError,
)
from mappings import odr_rest
from mappings.codes import MalformedPayload, UnknownCode
from schemas.enums import CourtStatus
from schemas.envelope import Envelope

MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # a feed page or receipt larger than this is refused, not parsed


class OdrRestPlatform:
    """One JSON court platform. Everything it needs comes through the constructor; it reads no globals."""

    transport = "rest"

    def __init__(
        self,
        name: str,
        base_url: str,
        signer: BodySigner,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
    ) -> None:
        self.name = name
        self._base = base_url.rstrip("/")
        self._signer = signer
        self._session = session or requests.Session()
        self._timeout = timeout

    # ---- the port

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        target = f"/api/v1/feeds/{feed.value}?cursor={cursor or '0'}&limit={limit}"
        doc = self._call("GET", target, f"GET {target}".encode())
        try:
            items = [self._raw_item(item) for item in doc["items"]]
            return FeedPage(items=items, next_cursor=str(doc["next_cursor"]))
        except (KeyError, TypeError) as exc:
            # The page itself is broken (not one item): nothing can be kept per message, so retry the page later.
            raise TransientError(self.name, f"feed page from {feed.value} is missing {exc}") from exc

    def decode(self, item: RawInbound) -> Envelope:
        try:
            return odr_rest.decode(self.name, item.body)
        except UnknownCode as exc:
            raise PayloadError(self.name, "unknown_code", str(exc)) from exc
        except MalformedPayload as exc:
            raise PayloadError(self.name, "malformed", str(exc)) from exc
        except ValidationError as exc:
            raise PayloadError(self.name, "invalid", odr_rest.validation_summary(exc)) from exc

    def send(self, envelope: Envelope) -> Receipt:
        body = odr_rest.encode(envelope)
        doc = self._call("POST", "/api/v1/messages", body, message_id=envelope.message_id)
        return Receipt(message_id=envelope.message_id, duplicate=bool(doc.get("duplicate", False)))

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        body = json.dumps({"ajbs": list(platform_case_ids)}, separators=(",", ":")).encode()
        doc = self._call("POST", "/api/v1/cases/status", body)
        try:
            cases = doc["cases"]
            return {case_id: odr_rest.decode_status(self.name, cases.get(case_id)) for case_id in platform_case_ids}
        except (KeyError, TypeError, AttributeError, UnknownCode) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc

    # ---- transport, and the one place its failures are translated

    def _raw_item(self, item: dict[str, Any]) -> RawInbound:
        body = item.get("body")
        # An item without a string body is still kept byte for byte, so quarantine has something to show.
        raw = body.encode("utf-8") if isinstance(body, str) else json.dumps(item, ensure_ascii=False).encode()
        return RawInbound(body=raw, key_id=item.get("kid"), signature=item.get("sig"), position=str(item["seq"]))

    def _call(self, method: str, target: str, signed: bytes, *, message_id: str | None = None) -> dict[str, Any]:
        signature = self._signer.sign(signed)
        headers = {"X-Key-Id": signature.key_id, "X-Signature": signature.value}
        if message_id:
            headers["X-Message-Id"] = headers["Idempotency-Key"] = message_id
        if method == "POST":
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = self._session.request(
                method,
                self._base + target,
                data=signed if method == "POST" else None,
                headers=headers,
                timeout=self._timeout,
            )
        except requests.Timeout as exc:
            raise TransientError(self.name, f"{method} {target.split('?')[0]} timed out") from exc
        except requests.RequestException as exc:
            raise TransientError(self.name, f"{method} {target.split('?')[0]} failed: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            self._raise_for(response)
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise TransientError(self.name, f"answer of {len(response.content)} bytes exceeds the limit")
        try:
            doc = response.json()
        except ValueError as exc:
            raise TransientError(self.name, f"{method} answer is not JSON (HTTP {response.status_code})") from exc
        if not isinstance(doc, dict):
            raise TransientError(self.name, f"{method} answer is not a JSON object")
        return doc

    def _raise_for(self, response: requests.Response) -> NoReturn:
        status = response.status_code
        try:
            doc = response.json()
            code, detail = str(doc.get("code", status)), str(doc.get("message", ""))[:500]
        except ValueError:
            code, detail = str(status), response.text[:200]
        if status == 429 or status >= 500 or status == 408:
            raise TransientError(
                self.name,
                f"HTTP {status} {detail}".strip(),
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        raise RejectedError(self.name, code, f"HTTP {status}: {detail}")


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
