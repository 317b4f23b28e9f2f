"""The ComplaintDesk port: what the core needs from a bank's or insurer's complaint desk (partners.md §0 "Suggested
model", §1), whatever its transport, field names or signing profile. Canonical complaint messages in and out
(schemas/complaint.py); failures in the same error tree as courts (connectors/port.py): TransientError (retry
later; CredentialsRefused holds the desk), RejectedError (do not retry: dead letter), PayloadError (quarantine).

Each send gets a synchronous DeskReceipt; the desk's business answers (acknowledgement, extension, decision …)
follow as signed items on its feed (pull) or pushed to us (push), each with its own message id and `correlates_to`.
`query_status` repairs what a lost answer left behind (reconciliation by complaint).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from connectors.port import FeedPage, RawInbound
from schemas.complaint import ComplaintEnvelope


@dataclass(frozen=True)
class DeskReceipt:
    """The desk's synchronous answer to one message: applied now, or applied before (a resend: `duplicate`), with
    the desk's own reference for the complaint once it has one. A refusal is a RejectedError, not a receipt."""

    message_id: str
    duplicate: bool
    desk_ref: str | None = None


class DeskStatus(StrEnum):
    """Where the desk says a complaint stands, in its own coarse terms (for reconciliation)."""

    RECEIVED = "received"  # has it, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"
    HANDLING = "handling"
    EXTENDED = "extended"
    DECIDED = "decided"
    PAID = "paid"  # small claim: the institution paid
    WITHDRAWN = "withdrawn"
    TO_MEDIATION = "to_mediation"


@runtime_checkable
class ComplaintDesk(Protocol):
    """One institution's complaint desk."""

    name: str  # the platform name in the settings
    transport: str

    def send(self, envelope: ComplaintEnvelope) -> DeskReceipt:
        """Encode, sign and deliver one message; the desk applies each message id at most once."""
        ...

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        """The desk's messages to the centre published after `cursor` (at least once: duplicates are possible)."""
        ...

    def decode(self, item: RawInbound) -> ComplaintEnvelope:
        """The canonical message in an item (pulled or pushed), its signature verified, or PayloadError."""
        ...

    def query_status(self, complaint_ids: Sequence[str]) -> dict[str, DeskStatus | None]:
        """The desk's own view of each complaint (by the centre's complaint id); None where it does not know it."""
        ...
