"""The PartnerPort: what the core needs from a docking partner that is neither a court nor a complaint desk — the
traffic-accident platform, an arbitration commission, the SPC mediation platform (partners.md §0 "Suggested
model") — whatever its transport (signed JSON over HTTPS, or the SPC's web form with a session cookie), field names
or signing profile. Canonical PartnerEnvelopes in and out (schemas/partner.py); failures in the courts' error tree
(connectors/port.py): TransientError (retry later; CredentialsRefused holds the partner — for the SPC form also an
expired session that a fresh login did not cure), RejectedError (do not retry: dead letter; `code`, `detail`),
PayloadError (quarantine the bytes, never apply).

Each send gets a synchronous PartnerReceipt (accepted, or `duplicate` for a resend; a refusal is a RejectedError);
the business answer follows on the feed (pull) or pushed to us, with `correlates_to`. `query_status` repairs what a
lost answer left behind (reconciliation); `statistics` is the partner's own count for reconciling figures (the SPC
platform's statistics against ours, §4) — a partner without one returns None.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from connectors.port import FeedPage, RawInbound
from schemas.partner import PartnerEnvelope, PartnerKind


@dataclass(frozen=True)
class PartnerReceipt:
    """The partner's synchronous answer to one message: applied now, or before (`duplicate`), with its own
    reference for the record once it has one."""

    message_id: str
    duplicate: bool
    partner_ref: str | None = None


@dataclass(frozen=True)
class PartnerStatus:
    """Where the partner says one record stands: `status` in the kind's coarse vocabulary (each kind's schema
    module lists it as a StrEnum named <Kind>PartnerStatus), `partner_ref`, and the partner's `detail` (free text,
    for the reconciliation report — never personal data)."""

    status: str
    partner_ref: str | None = None
    detail: str = ""


@runtime_checkable
class PartnerPort(Protocol):
    """One partner endpoint (one traffic platform, one commission, the SPC platform)."""

    name: str  # the partner's name in the settings
    kind: PartnerKind
    transport: str

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        """Encode, sign and deliver one message; the partner applies each message id at most once."""
        ...

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        """The partner's messages to the centre after `cursor` (at least once: duplicates are possible)."""
        ...

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        """The canonical message in an item (pulled or pushed), signature verified, body validated, or
        PayloadError naming the field."""
        ...

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        """The partner's view of each record (by our record id); None where it does not know it."""
        ...

    def statistics(self, month: str) -> dict[str, int] | None:
        """The partner's own counts for a month "YYYY-MM" (e.g. {"registered": 41}), or None if it keeps none."""
        ...
