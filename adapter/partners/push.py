"""A docking partner that pushes (`mode = "push"` in [partners.<name>]): one signed item POSTed to
/api/partners/v1/<name>/messages (api/partner_push.py), taken in by the shared signed-push intake
(adapter/inbox/signed_push.py: size, the partner's own signature and time window, the persisted replay guard
`push:<name>`, decoding by the partner's port) and applied as a pulled item is (adapter/partners/inbound.py
checked_apply: inbox dedupe by message id, scope — a partner may only speak as itself, of its own records and kind —,
the kind's on_message, one transaction). Refusals are kept in quarantine (feed "partners") with their bytes.
partners.md §0, §6."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from adapter.inbox.signed_push import PUSH_WINDOW, Intake, Pushed, receive_signed
from adapter.partners import inbound
from adapter.persistence.engine import UnitOfWork
from connectors.partner_port import PartnerPort
from connectors.port import RawInbound
from schemas.clock import Clock
from schemas.partner import PartnerEnvelope
from signing.base import MessageSigner, MessageVerifier


@dataclass(frozen=True)
class PushPartner:
    """What the push intake needs of one partner in push mode: its port (the decoder: wire mapping and the kind's
    bodies), the verifier of its signing profile, its rules, the largest item (bytes) and the signed-time window it
    may push with, and our signer for it (the receipt is signed; None: unsigned)."""

    port: PartnerPort
    verifier: MessageVerifier
    rules: Any
    max_bytes: int = 1_048_576
    window: timedelta = PUSH_WINDOW
    signer: MessageSigner | None = None


def receive_pushed(uow: UnitOfWork, link: PushPartner, body: bytes, headers: dict[str, str], clock: Clock) -> Pushed:
    """Take one pushed item from `link`'s partner in (module doc); committed when it returns."""
    name = link.port.name

    def apply(envelope: PartnerEnvelope, item: RawInbound) -> bool:
        done = inbound.checked_apply(uow, name, envelope, clock=clock, rules=link.rules, kind=link.port.kind)
        return done == inbound.APPLIED

    intake = Intake(name, inbound.FEED, f"partners.{name}", link.verifier, link.port.decode, apply)
    return receive_signed(uow, intake, body, headers, clock, max_bytes=link.max_bytes, window=link.window)
