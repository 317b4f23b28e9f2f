"""A court's inbound items decoded, and nothing more: no keys, no HTTP session, no WSDL.

Each court connector's `decode` is a CourtItemDecoder's, so the two cannot differ. A check process
(scheduler/check_child.py) builds one of these instead of the connector: it verifies and decodes polled pages, and
so needs the court's public keys (the verifier) but never our private signing keys, which then stay in the worker.
"""

from collections.abc import Callable
from typing import Literal

from connectors.http import decoded
from connectors.port import RawInbound
from mappings import court_soap, odr_rest
from mappings.times import DEFAULT_FORM, TimestampForm
from schemas.envelope import Envelope

_MAPPINGS: dict[str, Callable[[str, bytes, TimestampForm], Envelope]] = {
    "rest": odr_rest.decode,  # connectors/odr_rest.py
    "soap": court_soap.decode,  # connectors/court_soap.py: a feed item's payload is the XML text it carries
}


class CourtItemDecoder:
    """`decode(item)` → the item's canonical Envelope, for court platform `name` on `transport` ("rest" or "soap"),
    its times read in `timestamps`' form. Raises PayloadError (reason malformed, invalid or unknown_code:
    connectors/http.py `decoded`) for an item that does not decode; it never verifies (that is the verifier's)."""

    def __init__(self, name: str, transport: Literal["rest", "soap"], timestamps: TimestampForm = DEFAULT_FORM) -> None:
        self.name, self.timestamps = name, timestamps
        self._mapping = _MAPPINGS[transport]

    def decode(self, item: RawInbound) -> Envelope:
        return decoded(self.name, lambda platform, body: self._mapping(platform, body, self.timestamps), item.body)
