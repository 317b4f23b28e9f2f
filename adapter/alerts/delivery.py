"""Alerts out: each alert row (adapter/alerts/conditions.py) becomes a document and goes to every configured
destination through the outbox's claim/record protocol (adapter/outbox/table_queue.py): retried on the [alerts]
schedule, dead after give_up_after_hours (replayable: `replay_dead_alerts`), never lost. Alerts of one condition
are delivered in order (its "opened" before its "closed").

The document (what a generic webhook receives; the robots and mail render `title` and `text`):
    {"id": "alt_…", "kind": "breaker", "subject": "guangzhou", "state": "opened" | "closed",
     "time": "2026-11-30T08:00:00Z", "title": "…", "text": "markdown, times in China time (CST)", "detail": "…"}
"""

import json
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from adapter.alerts.conditions import ALERTS
from adapter.outbox import table_queue
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from schemas.clock import Clock, china_text, from_db

log = logging.getLogger("docking.alerts")
QUEUE = table_queue.QueueTable(
    ALERTS,
    key="alert_id",
    order="topic",
    noun="alert",
    replay_action="replay_alert",
    list_command="docking alerts list --status dead",
    log=log,
    waits_behind_dead=False,  # a dead alert must not silence its condition's later news (table_queue.QueueTable)
)


class AlertSender(Protocol):
    def send(self, alert_id: str, document: dict[str, Any]) -> None:
        """Send one alert to every destination; TransientError (retried) or RejectedError (dead) as a connector."""
        ...


def document(row: Any) -> dict[str, Any]:
    """An alert row as its receivers see it (the module docstring's shape)."""
    data = json.loads(row.data_json)
    at = from_db(row.at)
    state = "OPENED" if row.state == "opened" else "cleared"
    text = f"**{data['title']}**\n> {row.kind} · {row.subject} · {state}\n> {china_text(at)}"
    if data.get("detail"):
        text += f"\n> {data['detail']}"
    return {
        "id": row.alert_id,
        "kind": row.kind,
        "subject": row.subject,
        "state": row.state,
        "time": at.isoformat().replace("+00:00", "Z"),
        "title": data["title"],
        "text": text,
        "detail": data.get("detail", ""),
    }


def deliver_alerts(
    uow: UnitOfWork, sender: AlertSender, clock: Clock, policy: RetryPolicy, **options: Any
) -> Counter[str]:
    """Deliver the alerts due now; counts by DeliveryResult (delivered / retried / dead / lease_lost).
    `options`: table_queue.deliver's (limit, max_rounds, retrying, jitter, lease)."""
    return table_queue.deliver(
        uow, QUEUE, lambda row: sender.send(row.alert_id, document(row)), clock, policy, **options
    )


def replay_dead_alerts(
    uow: UnitOfWork, alert_ids: Sequence[str] | None, *, actor: str, reason: str, now: datetime
) -> list[str]:
    """Put dead alerts (the ones named, or all) back in the queue; audited."""
    return table_queue.replay_dead(uow, QUEUE, alert_ids, actor=actor, reason=reason, now=now)
