"""The causes' calls into the alert conditions (adapter/alerts/conditions.py), each in its cause's transaction where
there is one: a dead letter (adapter/outbox/record.py, through adapter/events/causes.py message_dead), a deadline
alert (adapter/deadlines/sweep.py, through deadline_alert; a complaint's: adapter/deadlines/complaint_sweep.py), a
reconciliation difference (adapter/reconcile/runs.py, through reconcile_difference), a quarantined item
(adapter/inbox/refusal.py). The breaker and the holds open theirs through adapter/platforms/state_store.py; what
clears is seen by adapter/alerts/evaluate.py.
"""

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from adapter.alerts.conditions import CONDITIONS, change
from adapter.alerts.kinds import AlertKind
from adapter.persistence.engine import UnitOfWork
from schemas.clock import Clock

log = logging.getLogger("docking.alerts")


def dead_letter(connection: Connection, *, platform: str, message_id: str, error: str | None, at: datetime) -> None:
    """The first dead message of a platform opens its condition; later ones are counted by `docking status`."""
    change(connection, AlertKind.DEAD_LETTERS, platform, opened=True, at=at, detail=f"{message_id}: {error or ''}")


def quarantined(connection: Connection, *, platform: str, reason: str, at: datetime) -> None:
    change(connection, AlertKind.QUARANTINE, platform, opened=True, at=at, detail=f"an item quarantined ({reason})")


def deadline(connection: Connection, *, case_id: str, detail: dict[str, Any], at: datetime) -> None:
    """A deadline alert of the sweep: closing soon (due_soon) or passed (overdue); one-shot per case and deadline."""
    kind = AlertKind.DEADLINE_PASSED if detail.get("state") == "overdue" else AlertKind.DEADLINE_AT_RISK
    text = f"{detail.get('kind', '')} deadline, last day {detail.get('last_day', '')} (China time)"
    change(connection, kind, f"{case_id}:{detail.get('kind', '')}", opened=True, at=at, detail=text)


def complaint_deadline(connection: Connection, *, complaint_id: str, detail: dict[str, Any], at: datetime) -> None:
    """A complaint deadline alert of the sweep (adapter/deadlines/complaint_sweep.py): closing soon or passed —
    an institution overdue with its decision, a forward or a centre target late; one-shot per complaint and
    deadline."""
    passed = detail.get("state") == "overdue"
    kind = AlertKind.COMPLAINT_DEADLINE_PASSED if passed else AlertKind.COMPLAINT_DEADLINE_AT_RISK
    text = f"{detail.get('kind', '')} deadline, last day {detail.get('last_day', '')} (China time)"
    change(connection, kind, f"{complaint_id}:{detail.get('kind', '')}", opened=True, at=at, detail=text)


def partner_deadline(connection: Connection, *, record_id: str, detail: dict[str, Any], at: datetime) -> None:
    """A partner record's due date closing soon or passed (adapter/partners/sweep.py); one-shot per record and due
    date."""
    passed = detail.get("state") == "overdue"
    kind = AlertKind.PARTNER_DEADLINE_PASSED if passed else AlertKind.PARTNER_DEADLINE_AT_RISK
    text = f"{detail.get('kind', '')}: {detail.get('rule', '')}, last day {detail.get('last_day', '')} (China time)"
    change(connection, kind, f"{record_id}:{detail.get('kind', '')}", opened=True, at=at, detail=text)


def reconcile_difference(connection: Connection, *, platform: str, kind: str, at: datetime) -> None:
    change(connection, AlertKind.RECONCILE, platform, opened=True, at=at, detail=f"e.g. {kind}")


FIGURE = "figure "  # how a partner's figure difference is named in the condition's detail ("e.g. figure registered")


def partner_reconcile_clean(connection: Connection, *, partner: str, at: datetime, figures_compared: bool) -> None:
    """A partner's reconciliation ended with nothing left for a person (adapter/partners/reconcile.py): its
    condition clears — as a court's does when its run ends ok or repaired (adapter/alerts/evaluate.py). A run that
    compared no figures (no --month; the scheduled runs never do) leaves a figure difference open: it did not look."""
    if not figures_compared:
        c = CONDITIONS
        detail = connection.execute(
            select(c.c.detail).where(c.c.kind == AlertKind.RECONCILE.value, c.c.subject == partner, c.c.open.is_(True))
        ).scalar()
        if detail is not None and detail.startswith(f"e.g. {FIGURE}"):
            return
    change(connection, AlertKind.RECONCILE, partner, opened=False, at=at)


# what the operator does about it (shown by `docking status` and `docking alerts list`)
CALENDAR_TODO = (
    "deadlines in {year} count weekends only (marked estimated): add {year} to [deadlines] holiday_file once the "
    "State Council publishes its holidays, then restart"
)


def calendar_coverage(uow: UnitOfWork, clock: Clock, years: Collection[int], missing: Collection[int]) -> None:
    """At start-up: each year of `years` opens (in `missing`) or clears its condition. A database that cannot take
    it is logged: the start-up's own warning has said it already."""
    try:
        with uow.begin() as session:
            for year in years:
                change(
                    session.connection(),
                    AlertKind.CALENDAR_MISSING,
                    str(year),
                    opened=year in missing,
                    at=clock(),
                    detail=CALENDAR_TODO.format(year=year),
                )
    except Exception as exc:
        log.error("holiday calendar coverage: the alert could not be stored: %s", type(exc).__name__)
