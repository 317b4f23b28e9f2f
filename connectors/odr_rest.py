"""Connector for JSON court ODR platforms ("odr-rest" profile), over requests; its twin is mappings/odr_rest.py.

Endpoints (relative to base_url):
  GET  /api/v1/feeds/{dispatches|decisions}?cursor=C&limit=N
       → {"items": [{"seq", "body", "headers"}], "next_cursor"}   (headers: the court's signature over body)
  POST /api/v1/messages        one signed outbound message; Idempotency-Key = message id
  POST /api/v1/cases/status    {"ajbs": [...]} → {"cases": {ajbs: status code | null}}
  GET  /api/v1/cases?cursor=C&limit=N      → {"cases": [{"ajbs", "zt"}], "next_cursor"}   ("" on the last page)
  GET  /api/v1/cases/{ajbs}/messages       → {"items": [{"seq", "body", "headers"}]}   (as the feeds carry them)
  GET  /api/v1/codes           → {"version", "tables": {table: [codes]}}   (the platform's published code lists)
Every request is signed under the platform's profile (signing/) over its body and "METHOD <full URL>".
The transport is connectors/rest_client.py (shared with the complaint desks): failures are translated once, in its
`_raise_for`: 401/403 → CredentialsRefused (our signature or key is not trusted),
408/429/5xx → TransientError, any other 4xx → RejectedError; an answer past the read cap or not a JSON object →
UnreadableAnswer (a feed page is then asked for in smaller pages).

One bad item never fails its page: the page is read even where an item's bytes are not UTF-8, or a string holds a
raw control character or an escaped lone surrogate ("\\udcff", valid JSON syntax that no UTF-8 text can carry);
such an item is handed on as the bytes it carried, for ingest to quarantine (rest_client `_body_bytes`).
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import requests

from connectors.http import MAX_RESPONSE_BYTES
from connectors.item_decoders import CourtItemDecoder
from connectors.port import (
    CasePage,
    Feed,
    FeedPage,
    ListedCase,
    RawInbound,
    Receipt,
    RejectedError,
    RequestSigner,
    TransientError,
    Wire,
)
from connectors.rest_client import _ESCAPED, SignedJsonClient
from mappings import odr_rest
from mappings.codes import CodeTables
from mappings.times import DEFAULT_FORM, TimestampForm
from reference.errors import UnknownCode
from schemas.enums import CourtStatus
from schemas.envelope import Envelope


class OdrRestPlatform(SignedJsonClient):
    """One JSON court platform. Everything it needs comes through the constructor; it reads no globals."""

    transport = "rest"

    def __init__(
        self,
        name: str,
        base_url: str,
        signer: RequestSigner,
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
        self.timestamps = timestamps  # the form of every time in this court's messages, both ways
        self._items = CourtItemDecoder(name, "rest", timestamps)  # what a check process decodes with too

    # ---- the port

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        target = f"/api/v1/feeds/{feed.value}?{urlencode({'cursor': cursor or '0', 'limit': limit})}"
        doc = self._call("GET", target, b"")
        items, next_cursor = doc.get("items"), doc.get("next_cursor")
        if not isinstance(items, list) or not isinstance(next_cursor, str | int) or isinstance(next_cursor, bool):
            # The page itself is broken (not one item): nothing can be kept per message, so retry the page later.
            raise TransientError(self.name, f"feed page from {feed.value} lacks items or next_cursor")
        escaped = doc.pop(_ESCAPED, False) is True
        return FeedPage(items=[self._raw_item(item, escaped) for item in items], next_cursor=str(next_cursor))

    def decode(self, item: RawInbound) -> Envelope:
        return self._items.decode(item)

    def send(self, envelope: Envelope) -> Receipt:
        body = odr_rest.encode(envelope, self.timestamps)
        sent: list[Wire] = []  # the signed request as sent and the answer, for the evidence bundle
        doc = self._call("POST", "/api/v1/messages", body, message_id=envelope.message_id, sent=sent)
        # Platforms of this kind often answer HTTP 200 with a business error: only code "0" for *this* message
        # id is a delivery.
        code = str(doc.get("code", ""))
        if code != "0":
            raise RejectedError(
                self.name, code or "missing", f"answered without success: {doc.get('message', '')}"[:300]
            )
        if doc.get("xxbh") != envelope.message_id:
            raise TransientError(self.name, f"receipt names message {doc.get('xxbh')!r}, not {envelope.message_id!r}")
        return Receipt(message_id=envelope.message_id, duplicate=bool(doc.get("duplicate", False)), wire=sent[-1])

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        body = json.dumps({"ajbs": list(platform_case_ids)}, separators=(",", ":")).encode()
        doc = self._call("POST", "/api/v1/cases/status", body)
        try:
            cases = doc["cases"]
            omitted = [case_id for case_id in platform_case_ids if case_id not in cases]
            if omitted:  # "unknown" must be said (null), never inferred from a short answer: it triggers re-sends
                raise TransientError(self.name, f"status answer omits {len(omitted)} of the cases asked about")
            return {case_id: odr_rest.decode_status(self.name, cases[case_id]) for case_id in platform_case_ids}
        except (KeyError, TypeError, AttributeError, UnknownCode) as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        doc = self._call("GET", f"/api/v1/cases?{urlencode({'cursor': cursor, 'limit': limit})}", b"")
        try:
            listed = [(str(case["ajbs"]), odr_rest.decode_status(self.name, str(case["zt"]))) for case in doc["cases"]]
            next_cursor = doc["next_cursor"]
        except (KeyError, TypeError, AttributeError, UnknownCode) as exc:
            raise TransientError(self.name, f"case list is not understood: {exc}") from exc
        if not isinstance(next_cursor, str):
            raise TransientError(self.name, "case list lacks next_cursor")
        return CasePage(cases=[ListedCase(i, s) for i, s in listed if s is not None], next_cursor=next_cursor)

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        doc = self._call("GET", f"/api/v1/cases/{quote(platform_case_id, safe='')}/messages", b"")
        items = doc.get("items")
        if not isinstance(items, list):
            raise TransientError(self.name, f"messages of case {platform_case_id} lack items")
        return [self._raw_item(item) for item in items]

    def code_lists(self) -> dict[str, list[str]]:
        """The code lists the platform publishes (GET /api/v1/codes), for `docking mappings check`."""
        doc = self._call("GET", "/api/v1/codes", b"")
        tables = doc.get("tables")
        if not isinstance(tables, dict) or not all(isinstance(v, list) for v in tables.values()):
            raise TransientError(self.name, "the published code lists are not {table: [codes]}")
        return {str(name): [str(code) for code in codes] for name, codes in tables.items()}

    def code_tables(self) -> CodeTables:
        """Our code tables for this court, which `code_lists` is compared with (PublishesCodeLists)."""
        return odr_rest.tables(self.name, self.timestamps)
