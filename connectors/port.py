"""The CourtPlatform port and the connector error tree. Canonical types in and out; nothing else crosses.

    ConnectorError
    ├── TransientError   timeouts, connection errors, 5xx, 429 — retry later (`retry_after` seconds if told);
    │   │                `cause` names what failed, and `temporary` is False where waiting alone will not help
    │   └── CredentialsRefused   the court refuses OUR signature or credentials (HTTP 401/403, a court-signed
    │                            fault naming an unknown key or bad signature): a platform-wide fault, not a
    │                            verdict on one message — hold the platform, alert once, probe until accepted
    │   └── Throttled            HTTP 429: the court asks us to slow down (`retry_after` if told) — pause the
    │                            platform, never count it against the message (adapter/platforms/throttle.py)
    │   └── UnreadableAnswer     the court answered, completely, but the answer cannot be read as asked for
    │                            (larger than the read cap, not JSON/XML): the same request meets the same
    │                            answer, so a feed page is asked for again in smaller pages (adapter/inbox/polling.py)
    ├── RejectedError    4xx, a business rejection or SOAP Fault — do not retry; `code` and `detail` say why
    └── PayloadError     inbound bytes that do not decode to a canonical message — quarantine, never apply

Each connector translates its transport's failures into this tree once, at its boundary, with `raise … from exc`.
`advice` on each class is the operator's next step, for a command-line message or a report.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol, runtime_checkable

from mappings.codes import CodeTables
from schemas.enums import CourtStatus
from schemas.envelope import Envelope


class ConnectorError(Exception):
    retryable = False

    def __init__(self, platform: str, detail: str) -> None:
        super().__init__(f"{platform}: {detail}")
        self.platform = platform
        self.detail = detail

    @property
    def advice(self) -> str:
        return "see the platform's documentation"


# Connection causes that retrying will not cure by itself: the operator has to change something first.
LASTING_CAUSES = {
    "dns": "check the host name in base_url (and this machine's DNS)",
    "tls": "check the court's certificate, ca_bundle and this machine's clock",
    # A send process (scheduler/send_processes.py) could not start: nothing the court does will change that.
    "process_start": "a send process could not start: the worker's log says why (a key file, the Python install)",
}


class TransientError(ConnectorError):
    """`cause`: refused, timeout, dropped, unreachable, dns, dns_temporary, tls, proxy, http, answer, or ""."""

    retryable = True

    def __init__(self, platform: str, detail: str, *, retry_after: float | None = None, cause: str = "") -> None:
        super().__init__(platform, detail)
        self.retry_after = retry_after
        self.cause = cause

    @property
    def temporary(self) -> bool:
        return self.cause not in LASTING_CAUSES

    @property
    def advice(self) -> str:
        return LASTING_CAUSES.get(self.cause, "the platform may be down or busy; try again later")


class CredentialsRefused(TransientError):
    """The court did not authenticate us: every request would be refused alike until an operator acts (the court
    is given our key, or we sign with one it trusts). A TransientError, so code that does not know this branch
    still keeps the message for later instead of killing it; delivery and polling hold the platform instead."""

    def __init__(self, platform: str, code: str, detail: str) -> None:
        super().__init__(platform, f"the court refuses our signature or credentials ({code}): {detail}")
        self.code = code
        self.said = detail  # the court's own words, for the alert
        self.cause = "credentials"

    @property
    def temporary(self) -> bool:
        return False  # waiting does not help: the court must be given our key, or we must sign with one it has

    @property
    def advice(self) -> str:
        return (
            "give the court our public key (`docking keys export-public`) or sign with one it trusts (`keys activate`)"
        )


class Throttled(TransientError):
    """HTTP 429 Too Many Requests (RFC 6585 §4): the court is up and asks us to send more slowly, for `retry_after`
    seconds if it said. A TransientError, so code that does not know this branch retries later as before; delivery
    pauses the platform instead and counts no attempt (adapter/platforms/throttle.py)."""

    def __init__(self, platform: str, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(platform, detail, retry_after=retry_after, cause="throttled")


class UnreadableAnswer(TransientError):
    """A whole answer that cannot be read: `cause` is "oversized" (past the read cap) or "unparseable". A
    TransientError, so a send or a one-shot command treats it as before (retry later); a feed poll knows better:
    asked again for fewer items the answer may fit, and at one item the feed is held (adapter/inbox/polling.py)."""

    def __init__(self, platform: str, cause: str, detail: str) -> None:
        super().__init__(platform, detail)
        self.cause = cause


class RejectedError(ConnectorError):
    def __init__(self, platform: str, code: str, detail: str) -> None:
        super().__init__(platform, f"rejected ({code}): {detail}")
        self.code = code

    @property
    def advice(self) -> str:
        return "the court refused the request; repeating it unchanged will not help"


class PayloadError(ConnectorError):
    """`reason` is a short code for quarantine: malformed, invalid, unknown_code."""

    def __init__(self, platform: str, reason: str, detail: str) -> None:
        super().__init__(platform, f"{reason}: {detail}")
        self.reason = reason


class Feed(StrEnum):
    DISPATCHES = "dispatches"
    DECISIONS = "decisions"


@dataclass(frozen=True)
class RawInbound:
    """One message as the platform sent it: exact bytes and the headers carrying its signature, unverified."""

    body: bytes
    headers: Mapping[str, str]
    position: str = ""  # the feed cursor just past this item, where the platform says


# Headers that carry a credential of the connection, never a signature of the message: dropped from every header set
# stored with an item (inbox, quarantine) or exported (evidence) — a pushing partner's API key, a gateway's cookie
# or proxy credentials are secrets, not evidence. By name: any holding one of these words (X-Forwarded-Authorization,
# X-Amz-Security-Token, X-Session-Id …) or an API key's (apikey, api-key, x-goog-api-key …). No signature header of
# any profile holds one (X-Signature*, X-JWS-Signature, X-App-Key, X-Key-Id, X-Nonce, X-Timestamp, webhook-*):
# reprocessing a kept item still verifies it.
CREDENTIAL_WORDS = ("authorization", "cookie", "token", "secret", "passw", "credential", "session")
_API_KEY = re.compile(r"api[-_]?key")


def without_credentials(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` without the connection's credentials (CREDENTIAL_WORDS, an API key's name; any case); the
    signature headers and everything else as given."""
    return {k: v for k, v in headers.items() if not _credential(k.lower())}


def _credential(name: str) -> bool:
    return any(word in name for word in CREDENTIAL_WORDS) or _API_KEY.search(name) is not None


@dataclass(frozen=True)
class FeedPage:
    items: Sequence[RawInbound]
    next_cursor: str


class ListedCase(NamedTuple):
    """One case in a platform's list (a tuple: a full listing makes a million of them)."""

    platform_case_id: str
    status: CourtStatus


@dataclass(frozen=True)
class CasePage:
    """One page of the platform's case list; `next_cursor` is "" once the list is complete."""

    cases: Sequence[ListedCase]
    next_cursor: str


@dataclass(frozen=True)
class Wire:
    """One request exactly as it went out — the signed body bytes, method, full URL and the headers carrying our
    signature — and the court's answer as received (HTTP status, body bytes): what a case's evidence bundle keeps."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    status: int
    answer: bytes


@dataclass(frozen=True)
class Receipt:
    message_id: str
    duplicate: bool  # the platform had already applied this message id and answered with the original result
    wire: Wire | None = None  # the delivered attempt as sent, where the connector keeps it (REST; not SOAP yet)


class RequestSigner(Protocol):
    """Signs the exact bytes a connector is about to send (the core's signing profiles provide it)."""

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> Mapping[str, str]:
        """Headers carrying the signature over `body` and `target` ("METHOD <full URL>"); `message_id` is the
        signed id the receiver's replay guard records — a fresh nonce per request attempt."""
        ...


class ItemDecoder(Protocol):
    """What examining an inbound item needs of its platform (adapter/inbox/examine.py): a court connector, or its
    decoding alone (connectors/item_decoders.py, in a check process)."""

    name: str

    def decode(self, item: RawInbound) -> Envelope:
        """The canonical message in a verified item, or PayloadError."""
        ...


@runtime_checkable
class CourtPlatform(Protocol):
    """What the core needs from any court platform, whatever its transport, field names or code tables."""

    name: str
    transport: str

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        """Messages published on `feed` after `cursor` (at least once: duplicates are possible)."""
        ...

    def decode(self, item: RawInbound) -> Envelope:
        """The canonical message in a verified item, or PayloadError."""
        ...

    def send(self, envelope: Envelope) -> Receipt:
        """Encode, sign and deliver one message; the platform applies each message id at most once."""
        ...

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        """The platform's own status of each case; None where it does not know the case."""
        ...

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        """Every case the platform holds for the centre, a page at a time from `cursor` ("" for the start);
        each case appears once per complete listing, in an order the platform chooses."""
        ...

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        """Everything the platform has published about one case (its dispatch, its decisions), as the same signed
        items its feeds carry, oldest first; empty if it does not know the case. Verified and applied like a feed."""
        ...


@runtime_checkable
class PublishesCodeLists(Protocol):
    """A platform that publishes its code lists, for `docking mappings check` (adapter/mapping_check.py). Not
    every platform does, so it is a capability of its own beside CourtPlatform, not a method every one must fake."""

    def code_lists(self) -> dict[str, list[str]]:
        """The code lists the platform publishes now: {table: [codes]}."""
        ...

    def code_tables(self) -> CodeTables:
        """Our code tables for this platform: those its messages are read and written with."""
        ...
