"""A partner that pushes: one signed item POSTed by a partner (the traffic platform, a commission, the SPC
platform's callbacks), taken in as its feed would be — the desks' push intake (adapter/complaints/desk_push.py:
size, the signature over the raw bytes with the partner's own verifier, the signed-time window, the persisted
replay guard, decoding) over the partners' inbound (adapter/partners/inbound.py apply: inbox dedupe, the record by
id or reference or opened, the kind's Change; refusals quarantined in feed "partners" with their bytes).

Everything is committed before the answer, so an item is never lost between a 2xx and its commit. The HTTP route
(POST /api/partners/v1/{partner}/messages, authenticated as that partner) is the API's; it answers `DeskPushed`
(result accepted / duplicate / rejected, `complaint_id` = the record id when the message named one).
"""

from datetime import timedelta
from typing import Any

from adapter.complaints.desk_push import PUSH_WINDOW, Apply, DeskPushed, Refused, receive_from_desk
from adapter.partners import inbound
from adapter.persistence.engine import UnitOfWork
from connectors.partner_port import PartnerPort
from connectors.port import RawInbound
from schemas.clock import Clock
from schemas.partner import PartnerEnvelope
from signing.base import MessageVerifier


def partner_apply(uow: UnitOfWork, port: PartnerPort, clock: Clock, rules: Any) -> Apply:
    """inbound.apply for `port`'s partner, its refusals as Refused under the reasons its feed keeps them by."""

    def apply(envelope: PartnerEnvelope, item: RawInbound) -> bool:
        try:
            return inbound.apply(uow, port.name, envelope, clock, rules, port.kind) == inbound.APPLIED
        except Exception as exc:
            raise Refused(*inbound.reason_of(exc)) from None

    return apply


def receive_pushed(
    uow: UnitOfWork,
    port: PartnerPort,
    verifier: MessageVerifier,
    body: bytes,
    headers: dict[str, str],
    clock: Clock,
    rules: Any,
    *,
    max_bytes: int = 1_048_576,
    window: timedelta = PUSH_WINDOW,
) -> DeskPushed:
    """Take one item `port`'s partner pushed (module doc); `rules` the partner's ([partners.<name>.rules])."""
    return receive_from_desk(
        uow, port, verifier, partner_apply(uow, port, clock, rules), body, headers, clock,
        max_bytes=max_bytes, window=window, feed=inbound.FEED, subject=lambda envelope: envelope.record_id,
    )  # fmt: skip
