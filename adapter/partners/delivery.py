"""Delivering the centre's messages to the partners: the outbox protocol (adapter/outbox/table_queue.py) over
partner_outbox — claimed under a lease, sent through each partner's PartnerPort, retried with backoff on a
TransientError (also CredentialsRefused: the partner's messages wait for it to take our key, never dead for it),
dead on a RejectedError or after the retry window, replayed by an operator (audited). A record's messages go in
order (order key record_id): an answer never overtakes the application it answers.

A receipt carrying the partner's reference fills partner_records.partner_ref when the record has none yet.
"""

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.exc import IntegrityError

from adapter.events import partner_events
from adapter.outbox import table_queue
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from adapter.platforms.retry import RetryPolicy
from connectors.partner_port import PartnerPort
from connectors.port import TransientError
from schemas.clock import Clock
from schemas.partner import PartnerEnvelope

log = logging.getLogger("docking.partners")
OUTBOX: Table = PartnerOutboxRow.__table__  # type: ignore[attr-defined]
RECORDS: Table = PartnerRecordRow.__table__  # type: ignore[attr-defined]

QUEUE = table_queue.QueueTable(
    table=OUTBOX,
    key="message_id",
    order="record_id",
    noun="partner message",
    replay_action="replay_partner_message",
    list_command="docking partners dead",
    log=log,
    on_dead=partner_events.message_dead,  # the centre hears of it in the same transaction
)


def deliver(
    uow: UnitOfWork, ports: Mapping[str, PartnerPort], clock: Clock, policy: RetryPolicy, **options: Any
) -> Counter[str]:
    """Send every due partner message through its partner's port; counts by outcome (delivered / retried / dead /
    lease_lost). A message for a partner no longer configured is retried (the setting may come back) until it gives
    up. `options`: table_queue.deliver's (limit, max_rounds, retrying, jitter, lease)."""
    return table_queue.deliver(uow, QUEUE, _sender(uow, ports), clock, policy, **options)


def _sender(uow: UnitOfWork, ports: Mapping[str, PartnerPort]) -> Callable[[Any], None]:
    def send(row: Any) -> None:
        port = ports.get(row.platform)
        if port is None:
            raise TransientError(row.platform, "no partner of this name is configured ([partners.<name>])")
        receipt = port.send(PartnerEnvelope.model_validate_json(row.envelope_json))
        if receipt.partner_ref:
            _keep_ref(uow, row.record_id, receipt.partner_ref)

    return send


def _keep_ref(uow: UnitOfWork, record_id: str, partner_ref: str) -> None:
    """The partner's reference on the record, unless it has one. The message is delivered whatever happens here: a
    reference another record of the partner already holds is logged (an operator's matter), not retried."""
    try:
        with uow.begin() as session:
            session.connection().execute(
                update(RECORDS)
                .where(RECORDS.c.record_id == record_id, RECORDS.c.partner_ref.is_(None))
                .values(partner_ref=partner_ref[:64])
            )
    except IntegrityError:
        log.error("partner reference %s for %s is already another record's: not stored", partner_ref, record_id)


def dead(uow: UnitOfWork) -> list[Any]:
    """The dead partner messages, oldest first (rows of partner_outbox)."""
    return table_queue.dead_rows(uow, QUEUE)


def replay(uow: UnitOfWork, message_ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime) -> list[str]:
    """Put dead messages (named, or all) back in the queue, audited (replay_partner_message); InvalidRequest naming
    an unknown or live id."""
    return table_queue.replay_dead(uow, QUEUE, message_ids, actor=actor, reason=reason, now=now)
