"""A signed JSON client over requests, shared by the REST connectors (connectors/odr_rest.py for courts,
connectors/complaint_desk.py for institutions' complaint desks): every request signed under the platform's profile
over its body and "METHOD <full URL>", answers read capped and leniently, and transport failures translated once,
in `_raise_for`: 401/403 → CredentialsRefused (our signature or key is not trusted), 408/429/5xx → TransientError,
any other 4xx → RejectedError; an answer past the read cap or not a JSON object → UnreadableAnswer.

One bad item never fails its page: the page is read even where an item's bytes are not UTF-8, or a string holds a
raw control character or an escaped lone surrogate ("\\udcff", valid JSON syntax that no UTF-8 text can carry);
such an item is handed on as the bytes it carried, for ingest to quarantine (`_body_bytes`).
"""

import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

import requests

from connectors.http import MAX_RESPONSE_BYTES, describe_failure, retry_after
from connectors.port import (
    CredentialsRefused,
    FeedPage,
    RawInbound,
    RejectedError,
    RequestSigner,
    Throttled,
    TransientError,
    UnreadableAnswer,
    Wire,
)
from connectors.rest_exchange import Exchange


class SignedJsonClient:
    """The transport half of a REST connector. Everything it needs comes through the constructor."""

    def __init__(
        self,
        name: str,
        base_url: str,
        signer: RequestSigner,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.name = name
        self.max_response_bytes = max_response_bytes
        self._base = base_url.rstrip("/")
        self._signer = signer
        self._session = session or requests.Session()
        self._timeout = timeout
        self._clock = clock
        self._exchange = Exchange(self._session)

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

    def _feed_page(self, target: str, cursor_field: str = "next_cursor") -> FeedPage:
        """GET one feed page {"items": [{"seq", "body", "headers"}], <cursor_field>}: each item as raw bytes; a page
        without its items or cursor is a TransientError (the page's fault, not one item's)."""
        doc = self._call("GET", target, b"")
        items, next_cursor = doc.get("items"), doc.get(cursor_field)
        if not isinstance(items, list) or not isinstance(next_cursor, str | int) or isinstance(next_cursor, bool):
            raise TransientError(self.name, f"feed page lacks items or {cursor_field}")
        escaped = doc.pop(_ESCAPED, False) is True
        return FeedPage(items=[self._raw_item(item, escaped) for item in items], next_cursor=str(next_cursor))

    def _call(
        self, method: str, target: str, body: bytes, *, message_id: str | None = None, sent: list[Wire] | None = None
    ) -> dict[str, Any]:
        """The answer's JSON object; with `sent`, the exchange as it went (Wire) is appended to it on success."""
        # Every attempt is signed with a fresh nonce: the court refuses a replayed nonce, while a retry of the same
        # message (same Idempotency-Key, new nonce) is answered as a duplicate — never refused as a replay.
        nonce = secrets.token_hex(16)  # 128 random bits as 32 hex digits, as uuid4().hex gave, without the UUID object
        # The signed target is the full URL, host and base path included: a request signed for one court is
        # worthless at another that trusts the same centre key.
        url = self._base + target
        headers = dict(self._signer.sign(body, message_id=nonce, at=self._clock(), target=f"{method} {url}"))
        if message_id:
            headers["X-Message-Id"] = headers["Idempotency-Key"] = message_id
        if method == "POST":
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response, content = self._exchange.send(method, url, body, headers, self._timeout, self.max_response_bytes)
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
        if sent is not None:
            sent.append(Wire(method, url, dict(headers), body, response.status_code, content))
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
        if status == 429:  # the court asks us to slow down: the platform pauses (adapter/platforms/throttle.py)
            raise Throttled(
                self.name,
                f"HTTP {status} {detail}".strip(),
                retry_after=retry_after(response.headers.get("Retry-After"), now=self._clock()),
            )
        if status >= 500 or status == 408:
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


_LENIENT = json.JSONDecoder(strict=False)


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in an answer, read leniently so one item cannot spoil the page: bytes that are not valid
    UTF-8 are kept as surrogate escapes (PEP 383; the page is then marked `_ESCAPED`), control characters are
    allowed inside strings (`strict=False`). Whatever an item holds is judged per item, by ingest."""
    encoding = json.detect_encoding(content)  # RFC 8259 §8.1: UTF-8 (a BOM tolerated); UTF-16/32 as json reads them
    try:
        text, escaped = content.decode(encoding), False
    except UnicodeDecodeError:
        try:
            text, escaped = content.decode(encoding, "surrogateescape"), True
        except UnicodeDecodeError:  # UTF-16/32 by its zero bytes, yet broken where no escape can stand (a byte < 0x80)
            return None  # not a JSON object: the caller says "unparseable" (or judges the error answer by its status)
    try:
        # json.loads(text, strict=False) without a decoder made per answer (a BOM left in the text is refused
        # by both: json.loads by name, the decoder as no JSON value)
        doc = _LENIENT.decode(text)
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
