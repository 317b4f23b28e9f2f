"""The core's calls into the event store, one per cause, each in its cause's transaction (adapter/events/store.py);
the causes that need a person also open their alert condition there (adapter/alerts/causes.py).

Called from where the cause is written: adapter/inbox/apply.py (a dispatch, a court's decision) and
adapter/outbox/record.py (a message given up).
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from adapter.alerts import causes as alerts
from adapter.events import kinds
from adapter.events.kinds import EventType
from adapter.events.store import Batch, emit, emit_many
from adapter.persistence.engine import UnitOfWork
from schemas.clock import Clock
from schemas.enums import CourtDecisionKind

log = logging.getLogger("docking.events")

_DECISION_TYPES = {
    CourtDecisionKind.JC_RULING: EventType.JC_RULING,
    CourtDecisionKind.MEDIATION_DOC_ISSUED: EventType.MEDIATION_DOC_ISSUED,
}


def dispatch_received(
    connection: Connection | Batch, case: Any, *, platform: str, message_id: str, flags: list[str], at: datetime
) -> str:
    """A court's new case, as stored (`case`: adapter/persistence/tables.py CaseRow)."""
    data = kinds.dispatch_received(
        platform=platform,
        platform_case_id=case.platform_case_id,
        case_number=case.case_number,
        court_code=case.court_code,
        flow=str(case.flow),
        procedure=str(case.procedure),
        cause=case.cause,
        amount=str(case.amount),
        status=str(case.status),
        message_id=message_id,
        flags=flags,
    )
    return emit(connection, EventType.DISPATCH_RECEIVED, case.id, data, at)


def decision_type(kind: CourtDecisionKind) -> EventType:
    """A court's decision's event type: a JC ruling and a 调解书 have their own; anything else is `case.updated`."""
    return _DECISION_TYPES.get(kind, EventType.CASE_UPDATED)


def decision_applied(
    connection: Connection,
    case: Any,
    *,
    platform: str,
    kind: CourtDecisionKind,
    decision: dict[str, Any],
    from_status: str,
    message_id: str,
    at: datetime,
) -> str:
    data = kinds.case_updated(
        platform=platform,
        platform_case_id=case.platform_case_id,
        decision=decision,
        from_status=from_status,
        to_status=str(case.status),
        message_id=message_id,
    )
    return emit(connection, decision_type(kind), case.id, data, at)


def message_dead(
    connection: Connection,
    *,
    case_id: str,
    platform: str,
    message_id: str,
    message_type: str,
    seq: int,
    error: str | None,
    at: datetime,
) -> str:
    data = kinds.message_dead(platform=platform, message_id=message_id, message_type=message_type, seq=seq, error=error)
    alerts.dead_letter(connection, platform=platform, message_id=message_id, error=error, at=at)  # people hear too
    return emit(connection, EventType.MESSAGE_DEAD, case_id, data, at)


def deadline_alert(
    connection: Connection,
    *,
    case_id: str,
    case_number: str | None,
    platform_case_id: str,
    status: str,
    detail: dict[str, Any],
    at: datetime,
) -> str:
    """A deadline alert, in the transaction that writes it to the case's history (adapter/deadlines/sweep.py)."""
    data = kinds.deadline_alert(
        case_number=case_number, platform_case_id=platform_case_id, status=status, detail=detail
    )
    alerts.deadline(connection, case_id=case_id, detail=detail, at=at)
    return emit(connection, EventType.DEADLINE_ALERT, case_id, data, at)


def reconcile_difference(connection: Connection, *, case_id: str | None, at: datetime, **fields: Any) -> str:
    """A difference, in the transaction that stores it (adapter/reconcile/runs.py); `fields`: kinds'."""
    alerts.reconcile_difference(connection, platform=fields["platform"], kind=fields["kind"], at=at)
    return emit(connection, EventType.RECONCILE_DIFFERENCE, case_id, kinds.reconcile_difference(**fields), at)


def reconcile_differences(connection: Connection, *, at: datetime, differences: Sequence[dict[str, Any]]) -> list[str]:
    """`reconcile_difference` for a page of differences (each: case_id and the kinds' fields), in one transaction:
    the platform's alert condition is opened by its first difference — for the rest it is already open, where
    each call was a no-op — and the events are written in one statement, in order."""
    seen: set[str] = set()
    for fields in differences:
        if fields["platform"] not in seen:
            seen.add(fields["platform"])
            alerts.reconcile_difference(connection, platform=fields["platform"], kind=fields["kind"], at=at)
    items = [
        (d["case_id"], kinds.reconcile_difference(**{k: v for k, v in d.items() if k != "case_id"}))
        for d in differences
    ]
    return emit_many(connection, EventType.RECONCILE_DIFFERENCE, items, at)


def platform_hold_recorder(uow: UnitOfWork, clock: Clock) -> Callable[[str, str, str], None]:
    """`record(platform, what, reason)` for a platform's credentials hold (adapter/platforms/credential_hold.py):
    `what` is "held" or "released". The hold lives in memory, so its event is written in a transaction of its own
    (it is the hold's one durable record); a database that cannot take it is logged, never raised into delivery
    or polling, which must go on holding the platform regardless."""

    def record(platform: str, what: str, reason: str) -> None:
        kind = EventType.PLATFORM_HELD if what == "held" else EventType.PLATFORM_RELEASED
        try:
            with uow.begin() as session:
                emit(session.connection(), kind, None, kinds.platform_hold(platform=platform, reason=reason), clock())
        except Exception as exc:
            log.error("platform %s %s: the centre event could not be stored: %s", platform, what, type(exc).__name__)

    return record
