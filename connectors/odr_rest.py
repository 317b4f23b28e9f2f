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
Failures are translated once, in `_raise_for`: 401/403 → CredentialsRefused (our signature or key is not trusted),
408/429/5xx → TransientError, any other 4xx → RejectedError; an answer past the read cap or not a JSON object →
UnreadableAnswer (a feed page is then asked for in smaller pages).

One bad item never fails its page: the page is read even where an item's bytes are not UTF-8, or a string holds a
raw control character or an escaped lone surrogate ("\\udcff", valid JSON syntax that no UTF-8 text can carry);
such an item is handed on as the bytes it carried, for ingest to quarantine (`_body_bytes`).
"""

import json
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import quote, urlencode

import requests

from connectors.http import MAX_RESPONSE_BYTES, decoded, describe_failure, read_capped, retry_after
from connectors.port import (
    CasePage,
    CredentialsRefused,
    Feed,
    FeedPage,
    ListedCase,
    RawInbound,
    Receipt,
    RejectedError,
    RequestSigner,
    TransientError,
    UnreadableAnswer,
)
from mappings import odr_rest
from mappings.codes import CodeTables
from mappings.times import DEFAULT_FORM, TimestampForm
from reference.errors import UnknownCode
from schemas.enums import CourtStatus
from schemas.envelope import Envelope


class OdrRestPlatform:
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
        self.name = name
        self.max_response_bytes = max_response_bytes
        self.timestamps = timestamps  # the form of every time in this court's messages, both ways
        self._base = base_url.rstrip("/")
        self._signer = signer
        self._session = session or requests.Session()
        self._timeout = timeout
        self._clock = clock

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
        return decoded(self.name, lambda p, b: odr_rest.decode(p, b, self.timestamps), item.body)

    def send(self, envelope: Envelope) -> Receipt:
        body = odr_rest.encode(envelope, self.timestamps)
        doc = self._call("POST", "/api/v1/messages", body, message_id=envelope.message_id)
        # Platforms of this kind often answer HTTP 200 with a business error: only code "0" for *this* message
        # id is a delivery.
        code = str(doc.get("code", ""))
        if code != "0":
            raise RejectedError(
                self.name, code or "missing", f"answered without success: {doc.get('message', '')}"[:300]
            )
        if doc.get("xxbh") != envelope.message_id:
            raise TransientError(self.name, f"receipt names message {doc.get('xxbh')!r}, not {envelope.message_id!r}")
        return Receipt(message_id=envelope.message_id, duplicate=bool(doc.get("duplicate", False)))

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

    # ---- transport, and the one place its failures are translated

    @staticmethod
    def _raw_item(item: Any, escaped: bool = False) -> RawInbound:
        """One feed item as raw bytes; a misshapen item is still kept (it will fail verification into quarantine)
        rather than failing the page, so one poison item can never stall the feed. `escaped`: the page held bytes
        that are not UTF-8, kept in its strings as surrogate escapes (see `_json_object`)."""
        if not isinstance(item, dict):
            return RawInbound(body=_body_bytes(json.dumps(item, ensure_ascii=False), escaped), headers={})
        body, headers = item.get("body"), item.get("headers")
        text = body if isinstance(body, str) else json.dumps(item, ensure_ascii=False)
        # A header that is not text, or not UTF-8 text, is dropped: the item then fails verification into quarantine
        clean = (
            {str(k): v for k, v in headers.items() if isinstance(v, str) and _utf8(str(k) + v)}
            if isinstance(headers, dict)
            else {}
        )
        return RawInbound(body=_body_bytes(text, escaped), headers=clean, position=_printable(str(item.get("seq", ""))))

    def _call(self, method: str, target: str, body: bytes, *, message_id: str | None = None) -> dict[str, Any]:
        # Every attempt is signed with a fresh nonce: the court refuses a replayed nonce, while a retry of the same
        # message (same Idempotency-Key, new nonce) is answered as a duplicate — never refused as a replay.
        nonce = uuid.uuid4().hex
        # The signed target is the full URL, host and base path included: a request signed for one court is
        # worthless at another that trusts the same centre key.
        url = self._base + target
        headers = dict(self._signer.sign(body, message_id=nonce, at=self._clock(), target=f"{method} {url}"))
        if message_id:
            headers["X-Message-Id"] = headers["Idempotency-Key"] = message_id
        if method == "POST":
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = self._session.request(
                method,
                url,
                data=body if method == "POST" else None,
                headers=headers,
                timeout=self._timeout,
                stream=True,  # read at most MAX_RESPONSE_BYTES, never a whole oversized answer into memory
                allow_redirects=False,  # a redirect would re-send the signed request, and our certificate, elsewhere
                # Explicit, because requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment override a
                # session's own `verify` — a configured court CA bundle would otherwise be silently ignored.
                verify=self._session.verify,
                cert=self._session.cert,
            )
            content = read_capped(response, self.max_response_bytes)
        except requests.RequestException as exc:
            cause, what = describe_failure(exc, url)
            raise TransientError(self.name, f"{method} {target.split('?')[0]}: {what}", cause=cause) from exc
        if content is None:
            raise UnreadableAnswer(self.name, "oversized", f"{method} answer exceeds {self.max_response_bytes} bytes")
        if 300 <= response.status_code < 400:
            raise TransientError(self.name, f"{method} was redirected (HTTP {response.status_code}); not followed")
        doc = _json_object(content)
        if response.status_code >= 400:
            self._raise_for(response, doc, content)
        if doc is None:
            raise UnreadableAnswer(
                self.name, "unparseable", f"{method} answer is not a JSON object (HTTP {response.status_code})"
            )
        return doc

    def _raise_for(self, response: requests.Response, doc: dict[str, Any] | None, content: bytes) -> NoReturn:
        status = response.status_code
        if doc is not None:
            code, detail = str(doc.get("code", status)), str(doc.get("message", ""))[:500]
        else:
            code, detail = str(status), content[:200].decode("utf-8", "replace")
        if status == 401 or (status == 403 and doc is not None and _names_credentials(code, detail)):
            # Authentication (RFC 9110 §15.5.2): the court refuses who signed, not what was sent, so every message
            # would meet the same answer — a platform-wide hold, never a dead message.
            raise CredentialsRefused(self.name, code, f"HTTP {status}: {detail}")
        if status == 403 and doc is None:
            # Not the court's JSON: a proxy or firewall in the way. Neither this message's fault (dead) nor proof
            # that our key is refused (hold, with advice about keys): retried, and the breaker sees it.
            raise TransientError(self.name, f"HTTP 403 from something other than the court: {detail[:100]}")
        if status == 429 or status >= 500 or status == 408:
            raise TransientError(
                self.name,
                f"HTTP {status} {detail}".strip(),
                retry_after=retry_after(response.headers.get("Retry-After"), now=self._clock()),
            )
        raise RejectedError(self.name, code, f"HTTP {status}: {detail}")


# A 403 is about credentials (a platform-wide hold) only when the court's answer says so; otherwise it forbids this
# request (RFC 9110 §15.5.4: authorisation for this message or case), and the message is refused like any 4xx.
_CREDENTIAL_WORDS = re.compile(
    r"\b(?:e401|e403|unknown_key|revoked_key|bad_signature|signature|signed|key|key_id|credentials?|"
    r"auth\w*|token|certificate|app_?key)\b",
    re.IGNORECASE,
)


def _names_credentials(code: str, detail: str) -> bool:
    return _CREDENTIAL_WORDS.search(f"{code} {detail}") is not None


_ESCAPED = "\x00escaped"  # a key no JSON answer can produce (raw NUL): marks a page read with surrogate escapes


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in an answer, read leniently so one item cannot spoil the page: bytes that are not valid
    UTF-8 are kept as surrogate escapes (PEP 383; the page is then marked `_ESCAPED`), control characters are
    allowed inside strings (`strict=False`). Whatever an item holds is judged per item, by ingest."""
    encoding = json.detect_encoding(content)  # RFC 8259 §8.1: UTF-8 (a BOM tolerated); UTF-16/32 as json reads them
    try:
        text, escaped = content.decode(encoding), False
    except UnicodeDecodeError:
        text, escaped = content.decode(encoding, "surrogateescape"), True
    try:
        doc = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    if escaped:
        doc[_ESCAPED] = True
    return doc


def _body_bytes(text: str, escaped: bool) -> bytes:
    """An item's body as the bytes it carried. Valid text is its UTF-8. Bytes that were not UTF-8 (`escaped`)
    come back exactly. A lone surrogate the court escaped in JSON ("\\udcff") has no UTF-8 form at all: it is
    kept as its three-byte WTF-8 form (ED B3 BF) — invalid UTF-8, so ingest quarantines the item as malformed."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    if escaped:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8", "surrogatepass")


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    """A feed position for the quarantine record: surrogates and control characters shown as escapes."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
