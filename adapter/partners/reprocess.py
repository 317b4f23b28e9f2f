"""Reprocessing a partner's quarantined item (feed "partners"): once what refused it is fixed — the record it is
about exists, the partner's new key is configured, the record's status allows it — its kept bytes are decoded
(signature verified with today's keys) and applied, and the quarantine row marked in the same transaction (applied,
or already applied: reprocessed); still refused, the row keeps the new reason. Audited `quarantine-reprocess`, as
the desks' (adapter/complaints/reprocess.py) and the courts' (adapter/inbox/quarantine.py).
"""

from typing import Any

from sqlalchemy.exc import IntegrityError

from adapter.complaints.reprocess import mark
from adapter.errors import InvalidRequest
from adapter.inbox.ingest import refuse_ahead
from adapter.inbox.quarantine import load, split_headers
from adapter.masking import mask_text
from adapter.partners.inbound import FEED, apply_in, reason_of
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import QuarantineStatus
from connectors.partner_port import PartnerPort
from connectors.port import RawInbound
from schemas.clock import Clock


def reprocess(
    uow: UnitOfWork, port: PartnerPort, quarantine_id: int, *, actor: str, note: str, clock: Clock, rules: Any
) -> str:
    """Apply one kept item of `port`'s partner again; returns what became of it. InvalidRequest when the row is not
    this partner's item or is no longer open."""
    row = load(uow, quarantine_id)
    if row.platform != port.name or row.feed != FEED:
        raise InvalidRequest(
            f"quarantined message {quarantine_id} is {row.platform}/{row.feed}, not an item of partner {port.name}; "
            "`docking quarantine reprocess` serves the courts' feeds, `docking complaints reprocess` the desks'"
        )
    if row.status != QuarantineStatus.OPEN:
        raise InvalidRequest(f"quarantined message {quarantine_id} is {row.status}: {row.outcome or row.note}")
    headers, position = split_headers(row)
    item = RawInbound(body=row.raw, headers=headers, position=position)
    reason: str | None
    try:
        envelope = port.decode(item)
        refuse_ahead(port.name, envelope.sent_at, clock())
        with uow.begin() as session:
            result = apply_in(session, port.name, envelope, clock(), rules, port.kind)
            summary = f"{result} (message {envelope.message_id}, record {envelope.record_id or envelope.partner_ref})"
            mark(session, quarantine_id, summary, None, actor=actor, note=note, clock=clock)
        return summary
    except IntegrityError:  # applied meanwhile by the feed or a push: the inbox key refused ours
        summary, reason = "already applied: nothing changed", None
    except Exception as exc:
        reason, detail = reason_of(exc)
        summary = f"still refused: {reason}: {mask_text(detail)[:300]}"
    with uow.begin() as session:
        mark(session, quarantine_id, summary, reason, actor=actor, note=note, clock=clock)
    return summary
