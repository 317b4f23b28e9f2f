"""The envelope every message to or from a docking partner other than a court or a complaint desk travels in: the
traffic-accident platform (道交一体化, partners.md §2), arbitration commissions (仲调对接, §3) and the SPC mediation
platform's rosters and self-received registrations (总对总, §4).

One envelope for the three kinds so one outbox, one inbox, one quarantine, one reconciliation and one console
serve them all (partners.md §0 "Suggested model": a PartnerPort beside CourtPlatform). The envelope carries the
body as a JSON object; each kind types its bodies in its own schema module (schemas/traffic.py,
schemas/arbitration.py, schemas/roster.py) and registers them by message type, so `body_model(kind, type)` is the
one place a body is validated — at the connector boundary (inbound) and in the use case (outbound).

Ids: `record_id` is ours (the traffic case, the arbitration application, the roster entry or registration);
`partner_ref` is the partner's own (the platform's `serialNo`, the commission's case number, the SPC id), known once
it answered. `correlates_to` names the message of ours a business answer answers (partners.md §0).
"""

from enum import StrEnum
from typing import Any

from pydantic import Field

from schemas.case import Record
from schemas.text import Line
from schemas.times import Timestamp


class PartnerKind(StrEnum):
    TRAFFIC = "traffic"  # the road-traffic accident platform (partners.md §2)
    ARBITRATION = "arbitration"  # an arbitration commission (partners.md §3)
    ROSTER = "roster"  # the SPC mediation platform: rosters and self-received registrations (partners.md §4)


# Our record ids carry the kind, so an id alone says which machine it belongs to (as complaints' "CP-").
RECORD_PREFIX: dict[PartnerKind, str] = {
    PartnerKind.TRAFFIC: "TR-",
    PartnerKind.ARBITRATION: "AR-",
    PartnerKind.ROSTER: "RO-",
}


class PartnerEnvelope(Record):
    """One message between the centre and a partner, either way.

    `type` is the kind's message type, e.g. "traffic.case_offered", "arb.accepted", "roster.certified" — its
    prefix is the kind's (traffic., arb., roster., case.offline_ for registrations). `body` is the typed body's
    JSON (model_dump(mode="json")) — amounts as decimal strings (yuan), times ISO 8601 with offset."""

    message_id: Line = Field(min_length=1, max_length=64)
    kind: PartnerKind
    partner: Line = Field(min_length=1, max_length=64)  # the partner's name in the settings ([partners.<name>])
    # None only on a partner's message that opens a record (a traffic offer, a commission entrusting mediation): the
    # core then finds or opens the record by (partner, partner_ref) — partners.md §0: (partner, partner_ref) → ours.
    record_id: Line | None = Field(default=None, max_length=40)
    partner_ref: Line | None = Field(default=None, max_length=64)
    type: Line = Field(min_length=3, max_length=48)
    sent_at: Timestamp
    correlates_to: Line | None = Field(default=None, max_length=64)
    body: dict[str, Any] = Field(default_factory=dict)
