"""The deadline sweep: every open case's due dates (adapter/deadlines), and what the centre must hear of them.

- A deadline closing within the warning window, or passed, raises an alert once per deadline and state: a log
  line and a `deadline_alert` event in the case's history, which the centre's staff read.
- An acceptance not answered in 3 working days moves the case to ACCEPTANCE_OVERDUE [S2 Art 12]; the court may
  then reassign it (its view of the case does not change, so nothing is sent). Not when the date is estimated
  (a year without holiday data): then only the alert is raised.
- An expired mediation period is flagged for termination with outcome 6 (超期) [S2 Art 24, Art 25] — flagged,
  not terminated: the parties may still have agreed an extension the centre has not recorded yet.

The sweep opens no personal data: it reads the unsealed columns and the dispatch as stored (the court code is
not sealed), so a data-key problem cannot stop deadline alerts. A case whose sealed values name a key this
process lacks is still swept, and reported once (adapter/persistence/unreadable.py) — the other jobs and the centre's
actions on it will fail until the process is restarted with the key.
"""

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, func, type_coerce
from sqlalchemy import select as core_select
from sqlmodel import col, select

from adapter.deadlines import DeadlineKind, Deadlines, DueDate, DueState
from adapter.events import causes as events
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import get_case, transition
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import Vault, VaultError, sealed_key_ids
from adapter.states import FINAL, CaseStatus, Event, HistoryNote
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.deadlines")

ALERT = HistoryNote.DEADLINE_ALERT
ACTOR = "deadline-sweep"
_ALERTING = (DueState.DUE_SOON, DueState.OVERDUE)


@dataclass(frozen=True)
class SweptCase:
    """A case as the sweep reads it: unsealed columns, and the dispatch as stored (sealed values still sealed)."""

    id: str
    platform_case_id: str
    case_number: str | None
    court_code: str | None  # as read at intake (cases.court_code); None for flow C and cases stored before 0011
    flow: str
    procedure: str
    status: str
    created_at: datetime
    agreement_effective_at: datetime | None
    court_dispatched_at: datetime | None  # when the court published the dispatch (the acceptance clock's start)
    dispatch_json: str  # as stored, sealed values sealed: for their key ids; its court code only for old rows


_COLUMNS = (
    col(CaseRow.id),
    col(CaseRow.platform_case_id),
    col(CaseRow.case_number),
    col(CaseRow.court_code),
    col(CaseRow.flow),
    col(CaseRow.procedure),
    col(CaseRow.status),
    col(CaseRow.created_at),
    col(CaseRow.agreement_effective_at),
    col(CaseRow.court_dispatched_at),
    type_coerce(col(CaseRow.dispatch_json), Text).label("dispatch_json"),  # bypasses SealedJson: nothing decrypted
)


@dataclass(frozen=True)
class CaseDeadlines:
    case: SweptCase
    due: list[DueDate]
    alerted: frozenset[tuple[str, str, str]]  # (kind, state, last day) already raised for this case


def count_open(uow: UnitOfWork) -> int:
    with uow.begin() as session:
        return session.exec(
            select(func.count(col(CaseRow.id))).where(col(CaseRow.status).not_in([s.value for s in FINAL]))
        ).one()


def open_case_deadlines(
    uow: UnitOfWork,
    deadlines: Deadlines,
    now: datetime,
    *,
    batch: int = 500,
    progress: Callable[[int], None] = lambda n: None,
) -> Iterator[CaseDeadlines]:
    """Every case not at rest, with its deadlines at `now`; keyset pages, each page's history in one query."""
    after = ""
    final = [s.value for s in FINAL]
    while True:
        with uow.begin() as session:
            query = (
                core_select(*_COLUMNS)
                .where(col(CaseRow.id) > after, col(CaseRow.status).not_in(final))
                .order_by(col(CaseRow.id))
                .limit(batch)
            )
            cases = [SweptCase(**row._mapping) for row in session.connection().execute(query)]
            history: dict[str, list[CaseEventRow]] = {c.id: [] for c in cases}
            if cases:
                for event in session.exec(select(CaseEventRow).where(col(CaseEventRow.case_id).in_(list(history)))):
                    history[event.case_id].append(event)
        if not cases:
            return
        for case in cases:
            events = history[case.id]
            alerted = frozenset(_alert_key(json.loads(e.detail)) for e in events if e.event == ALERT)
            yield CaseDeadlines(case, deadlines.for_case(case, events, now), alerted)
        progress(len(cases))
        after = cases[-1].id


def sweep(uow: UnitOfWork, clock: Clock, deadlines: Deadlines) -> dict[str, int]:
    """One pass over the open cases; returns what it did, by kind (for the job's stored result), with
    `unreadable`: cases swept whose personal data this process could not open."""
    now = clock()
    done: Counter[str] = Counter()
    vault = engine_vault(uow.engine)
    held = set(vault.keys) if vault is not None else set()
    for item in open_case_deadlines(uow, deadlines, now):
        done["cases"] += 1
        lacking = sorted(sealed_key_ids(item.case.dispatch_json) - held)
        if lacking:
            done["unreadable"] += 1
            # Swept all the same; said because the other jobs and the centre's actions on it will fail.
            outcome = "swept, but its personal data does not open in this process"
            REPORTED.report(ACTOR, f"case {item.case.id}", _lacking(vault, lacking[0]), outcome=outcome)
        for due in item.due:
            if due.state not in _ALERTING:
                continue
            # Never an automatic transition on a guessed calendar (domain.md §3): the alert says it is estimated.
            overdue_acceptance = (
                due.kind is DeadlineKind.ACCEPTANCE and due.state is DueState.OVERDUE and not due.estimated
            )
            if overdue_acceptance and _acceptance_overdue(uow, item.case.id, due, now):
                done["acceptance_overdue"] += 1
            key = (due.kind.value, due.state.value, due.due.last_day.isoformat())
            if key not in item.alerted:
                _alert(uow, item.case, due, now)
                done[f"alert_{due.kind.value}_{due.state.value}"] += 1
    return dict(done)


def _lacking(vault: Vault | None, kid: str) -> VaultError:
    """The error opening the case would raise (adapter/persistence/vault.py), so the report reads the same as every
    job's."""
    if vault is None:
        return VaultError(
            "the dispatch is sealed but no [encryption] keys are configured", condition=VaultError.NO_KEYS, key_id=kid
        )
    return VaultError.unknown_key("the dispatch", kid)


def _acceptance_overdue(uow: UnitOfWork, case_id: str, due: DueDate, now: datetime) -> bool:
    with uow.begin() as session:
        case = get_case(session, case_id, personal=False)
        if case.status != CaseStatus.PENDING_ACCEPTANCE:
            return False  # answered (or already overdue) since the page was read
        transition(session, case, Event.ACCEPTANCE_TIMEOUT, actor=ACTOR, at=now, detail=f"closed {due.due.closes_at}")
    return True


def _alert(uow: UnitOfWork, case: SweptCase, due: DueDate, now: datetime) -> None:
    detail = {
        "kind": due.kind.value,
        "state": due.state.value,
        "last_day": due.due.last_day.isoformat(),
        "estimated": due.estimated,  # a year without holiday data: the date is a weekends-only guess
        "rule": due.rule,
    }
    if due.kind is DeadlineKind.MEDIATION and due.state is DueState.OVERDUE:
        detail["suggest"] = "terminate with outcome 6 (period expired without an agreed extension) [S2 Art 25]"
    with uow.begin() as session:
        status = session.exec(select(CaseRow.status).where(CaseRow.id == case.id)).one()
        session.add(
            CaseEventRow(
                case_id=case.id,
                at=to_utc(now),
                event=ALERT,
                from_status=status,
                to_status=status,
                actor=ACTOR,
                detail=json.dumps(detail, ensure_ascii=False),
            )
        )
        events.deadline_alert(
            session.connection(),
            case_id=case.id,
            case_number=case.case_number,
            platform_case_id=case.platform_case_id,
            status=status,
            detail=detail,
            at=now,
        )
    log.warning(
        "case %s (%s): %s deadline %s, last day %s%s",
        case.id,
        case.case_number or case.platform_case_id,
        due.kind.value,
        "passed" if due.state is DueState.OVERDUE else "closing soon",
        due.due.last_day,
        " (estimated: no holiday data for that year)" if due.estimated else "",
    )


def _alert_key(detail: dict[str, str]) -> tuple[str, str, str]:
    return detail.get("kind", ""), detail.get("state", ""), detail.get("last_day", "")
