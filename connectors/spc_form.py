"""Connector for the SPC mediation platform's web form ("spc_form" transport, partners.md §4), a PartnerPort
(connectors/partner_port.py); its twin is mappings/spc_form.py (the form fields, answers and listing rows).

A form, not an API: the connector logs in with the centre's account (`username`/`password` from the settings,
never logged nor put in an error), keeps the session cookie, and posts each message as the platform's pages do.
  login        POST /fayuan/a/login (username, password) → {"code": "0"} and a session cookie
  send         POST the type's form (mappings/spc_form.FORMS) → {"code": "0", "id", "repeat"}
  fetch        GET /fayuan/a/roster/list?since=C&limit=N → {"code": "0", "rows": [{"seq", "body", "sign"}…],
               "next": C'}: the platform's certifications, refusals, removals and registrations as a feed (poll),
               each row's `body` the exact text a callback carries and `sign` its X-Spc-Signature
  query_status POST /fayuan/a/roster/query (localIds = JSON list) → {"code": "0", "rows": {id: row | null}}
  statistics   GET /fayuan/a/statistics?month=YYYY-MM → {"code": "0", "counts": {name: n}}
Failures in the error tree of connectors/port.py: `-1` (or code ≠ "0") → RejectedError with the platform's words
(dead letter: resending the same form gets the same answer); the login page instead of an answer → the session
has expired: log in again once and repeat; the login page again, or a refused login → CredentialsRefused (hold the
platform, an operator must act); no answer, 5xx, 408, 429 → TransientError.

Each row the platform publishes — pushed (its callback to the centre) or listed — is signed: `X-Spc-Signature` = hex
HMAC-SHA256 over the exact body under the callback key both sides hold; `decode` checks it when a key is configured
(one check for both paths: a tampered listing row is refused like a forged callback).
"""

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import BaseModel, ValidationError

from connectors.http import MAX_RESPONSE_BYTES, decoded, describe_failure, read_capped
from connectors.partner_port import PartnerReceipt, PartnerStatus
from connectors.port import (
    CredentialsRefused,
    FeedPage,
    PayloadError,
    RawInbound,
    RejectedError,
    TransientError,
    UnreadableAnswer,
)
from mappings import spc_form
from mappings.spc_form import Answer
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.roster import MESSAGE_BODIES, RosterMessageType
from schemas.validation import summarize

SIGNATURE = "X-Spc-Signature"
BodyModels = Callable[[str], type[BaseModel]]  # message type → its typed body (KeyError: unknown type)


def roster_body(type_: str) -> type[BaseModel]:
    """The typed body of a roster message type (schemas/roster.py); KeyError for an unknown type."""
    try:
        return MESSAGE_BODIES[RosterMessageType(type_)]
    except ValueError:
        raise KeyError(type_) from None


def callback_signature(key: str, body: bytes) -> str:
    """The callback signature: hex HMAC-SHA256 over the exact body bytes under the shared callback key."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class SpcForm:
    """The SPC platform for one centre account."""

    kind = PartnerKind.ROSTER
    transport = "spc_form"

    def __init__(
        self,
        name: str,
        base_url: str,
        username: str,
        password: str,
        *,
        callback_key: str | None = None,
        body_models: BodyModels = roster_body,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.name = name
        self._base = base_url.rstrip("/")
        self._credentials = (username, password)
        self._callback_key = callback_key
        self._body_models = body_models
        self._session = session or requests.Session()
        self._timeout = timeout
        self._cap = max_response_bytes
        self._logged_in = False
        # One session for the jobs that share this connector (delivery, polling, reconciliation run in their own
        # threads): a login and the request it serves are one step, so no job posts under a session another ends.
        self._lock = threading.Lock()
        self.logins = 0  # how many times this connector logged in (a session that expires shows here)

    def __repr__(self) -> str:  # never the password
        return f"SpcForm({self.name!r}, {self._base!r})"

    # ---- the PartnerPort

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        try:
            path, fields = spc_form.encode(envelope)
        except KeyError:
            raise RejectedError(self.name, "no_form", f"the platform has no form for {envelope.type!r}") from None
        answer = self._form("POST", path, fields)
        return PartnerReceipt(envelope.message_id, duplicate=answer.repeat, partner_ref=answer.id)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        answer = self._form("GET", f"{spc_form.LISTING}?{urlencode({'since': cursor or '0', 'limit': limit})}")
        doc = answer.doc or {}
        rows, next_cursor = doc.get("rows"), doc.get("next")
        if not isinstance(rows, list) or not isinstance(next_cursor, str | int) or isinstance(next_cursor, bool):
            raise TransientError(self.name, "roster listing lacks rows or next")
        return FeedPage(items=[self._item(row) for row in rows], next_cursor=str(next_cursor))

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        if self._callback_key is not None:
            given = next((v for k, v in item.headers.items() if k.lower() == SIGNATURE.lower()), "")
            if not hmac.compare_digest(given.encode(), callback_signature(self._callback_key, item.body).encode()):
                raise PayloadError(self.name, "bad_signature", f"{SIGNATURE} does not match the body")
        envelope = decoded(self.name, spc_form.decode_item, item.body)
        try:
            model = self._body_models(envelope.type)
        except KeyError:
            raise PayloadError(self.name, "unknown_code", f"message type {envelope.type!r} is unknown") from None
        try:
            body = model.model_validate(envelope.body).model_dump(mode="json")
        except ValidationError as exc:
            raise PayloadError(self.name, "invalid", f"{envelope.type} body: {summarize(exc)}") from exc
        return envelope.model_copy(update={"body": body})

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        answer = self._form("POST", spc_form.QUERY, {"localIds": json.dumps(list(record_ids))})
        rows = (answer.doc or {}).get("rows")
        if not isinstance(rows, dict) or any(rid not in rows for rid in record_ids):
            raise TransientError(self.name, "roster query answer omits records asked about")
        result: dict[str, PartnerStatus | None] = {}
        for rid in record_ids:
            row = rows[rid]
            if row is None:
                result[rid] = None
            elif isinstance(row, dict) and isinstance(row.get("status"), str):
                ref = row.get("id")
                result[rid] = PartnerStatus(
                    row["status"], None if ref in (None, "") else str(ref), str(row.get("reason", ""))[:200]
                )
            else:
                raise TransientError(self.name, "roster query row is not understood")
        return result

    def statistics(self, month: str) -> dict[str, int] | None:
        answer = self._form("GET", f"{spc_form.STATISTICS}?{urlencode({'month': month})}")
        counts = (answer.doc or {}).get("counts")
        if not isinstance(counts, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts.values()
        ):
            raise TransientError(self.name, "statistics answer lacks counts")
        return {str(k): v for k, v in counts.items()}

    # ---- the session and the form posts

    def _form(self, method: str, target: str, fields: dict[str, str] | None = None) -> Answer:
        """One request under a session: logged in first if needed; a login page as answer → log in again once."""
        with self._lock:
            if not self._logged_in:
                self._login()
            answer = self._request(method, target, fields)
            if answer.login_page:
                self._logged_in = False
                self._login()
                answer = self._request(method, target, fields)
                if answer.login_page:
                    raise CredentialsRefused(
                        self.name, "session", "the platform asks to log in again right after login"
                    )
        if not answer.ok:
            raise RejectedError(self.name, "-1", answer.words)
        return answer

    def _login(self) -> None:
        self._session.cookies.clear()
        username, password = self._credentials
        answer = self._request("POST", spc_form.LOGIN, {"username": username, "password": password})
        self.logins += 1
        if not answer.ok:
            raise CredentialsRefused(self.name, "login", f"the platform refused the centre's login: {answer.words}")
        self._logged_in = True

    def _request(self, method: str, target: str, fields: dict[str, str] | None) -> Answer:
        url = self._base + target
        try:
            response = self._session.request(
                method,
                url,
                data=fields if method == "POST" else None,
                timeout=self._timeout,
                stream=True,
                allow_redirects=False,  # a redirect is the login page's way of saying the session ended
            )
            content = read_capped(response, self._cap)
        except requests.RequestException as exc:
            cause, what = describe_failure(exc, url)
            raise TransientError(self.name, f"{method} {target.split('?')[0]}: {what}", cause=cause) from exc
        if content is None:
            raise UnreadableAnswer(self.name, "oversized", f"{method} answer exceeds {self._cap} bytes")
        status = response.status_code
        if 300 <= status < 400:
            return Answer(ok=False, login_page=True, words=f"redirected (HTTP {status}) to the login page")
        if status in (408, 429) or status >= 500:
            raise TransientError(self.name, f"{method} {target.split('?')[0]}: HTTP {status}")
        if status in (401, 403):
            return Answer(ok=False, login_page=True, words=f"HTTP {status}")
        answer = spc_form.read_answer(content, response.headers.get("Content-Type", ""))
        if status >= 400 and not answer.login_page:  # refused by HTTP status: the status is the code
            raise RejectedError(self.name, str(status), f"HTTP {status}: {answer.words if not answer.ok else ''}"[:300])
        return answer

    @staticmethod
    def _item(row: Any) -> RawInbound:
        """One listing row as the bytes the platform signed and its signature; a misshapen row is kept whole (it
        then fails decode into quarantine) rather than failing the page."""
        if not isinstance(row, dict) or not isinstance(row.get("body"), str):
            return RawInbound(body=json.dumps(row, ensure_ascii=False).encode(), headers={})
        sign = row.get("sign")
        headers = {SIGNATURE: sign} if isinstance(sign, str) else {}
        return RawInbound(
            body=row["body"].encode("utf-8", "surrogatepass"), headers=headers, position=str(row.get("seq", ""))
        )
