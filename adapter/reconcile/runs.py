"""Stored reconciliation runs: one row per run, one row per difference found, written as the run goes."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, desc, insert, select, update

from adapter.errors import InvalidRequest
from adapter.events import causes as events
from adapter.persistence.engine import UnitOfWork
from adapter.reconcile.cases import DIFFERENCES, RUNS
from adapter.reconcile.report import Difference, ReconcileReport
from schemas.clock import from_db, to_utc, utc_now


@dataclass(frozen=True)
class StoredRun:
    id: int
    started_at: datetime
    finished_at: datetime | None
    platform: str | None
    scope: str
    repair: bool
    checked: int
    in_flight: int
    differences: int
    repaired: int
    status: str
    actor: str
    detail: str


def start(uow: UnitOfWork, report: ReconcileReport, *, actor: str, at: datetime) -> int:
    values = {
        "started_at": to_utc(at),
        "platform": report.platform,
        "scope": report.scope.value,
        "repair": report.repair,
        "checked": 0,
        "in_flight": 0,
        "differences": 0,
        "repaired": 0,
        "status": "running",
        "actor": actor[:64],
        "detail": "",
    }
    with uow.begin() as session:
        return int(session.connection().execute(insert(RUNS).values(values).returning(RUNS.c.id)).scalar_one())


def record(uow: UnitOfWork, run_id: int, differences: Sequence[Difference], at: datetime | None = None) -> None:
    """Store a run's differences; the centre hears of each in the same transaction (adapter/events/)."""
    if not differences:
        return
    rows = [
        {
            "run_id": run_id,
            "case_id": d.case_id,
            "platform": d.platform,
            "platform_case_id": d.platform_case_id,
            "ours": d.ours.value if d.ours else None,
            "theirs": d.theirs.value if d.theirs else None,
            "kind": d.kind.value,
            "action": d.action.value,
            "repaired": d.repaired,
            "detail": d.detail,
        }
        for d in differences
    ]
    when = at or utc_now()
    with uow.begin() as session:
        connection = session.connection()
        connection.execute(insert(DIFFERENCES), rows)
        events.reconcile_differences(
            connection,
            at=when,
            differences=[
                {k: v for k, v in row.items() if k != "run_id"} | {"run_id": run_id}  # run_id last, as events name it
                for row in rows
            ],
        )


def failures_text(failures: Mapping[str, str]) -> str:
    """The stored run's detail: each court's failure once, "name: why", joined by "; " — a connector's error that
    already starts with the platform's name is not prefixed again ("gz: gz: POST … refused")."""
    return "; ".join(why if why.startswith(f"{name}:") else f"{name}: {why}" for name, why in failures.items())


def finish(uow: UnitOfWork, run_id: int, report: ReconcileReport, *, at: datetime, detail: str = "") -> None:
    values = {
        "finished_at": to_utc(at),
        "checked": report.checked,
        "in_flight": report.in_flight,
        "differences": len(report.differences),
        "repaired": report.repaired,
        "status": report.status,
        "detail": detail or failures_text(report.failures),
    }
    with uow.begin() as session:
        session.connection().execute(update(RUNS).where(RUNS.c.id == run_id).values(values))


def fail(uow: UnitOfWork, run_id: int, *, at: datetime, detail: str) -> None:
    """A run that stopped on an unexpected error: marked failed, so it never looks like one still running."""
    with uow.begin() as session:
        session.connection().execute(
            update(RUNS).where(RUNS.c.id == run_id).values(finished_at=to_utc(at), status="failed", detail=detail)
        )


def prune(uow: UnitOfWork, before: datetime, *, batch: int = 500) -> int:
    """Forget finished runs started before `before`, with their differences, a batch per transaction; returns how
    many runs went. (A frequent pass over a court dropped from the configuration stores a row per case each time.)"""
    removed = 0
    while True:
        with uow.begin() as session:
            connection = session.connection()
            old = select(RUNS.c.id).where(RUNS.c.started_at < to_utc(before), RUNS.c.status != "running").limit(batch)
            ids = list(connection.execute(old).scalars())
            if not ids:
                return removed
            connection.execute(delete(DIFFERENCES).where(DIFFERENCES.c.run_id.in_(ids)))
            connection.execute(delete(RUNS).where(RUNS.c.id.in_(ids)))
        removed += len(ids)


def latest(uow: UnitOfWork, limit: int) -> list[StoredRun]:
    with uow.begin() as session:
        rows = session.connection().execute(select(RUNS).order_by(desc(RUNS.c.id)).limit(limit)).mappings().all()
    return [_run(row) for row in rows]


def load(uow: UnitOfWork, run_id: int) -> tuple[StoredRun, list[dict[str, Any]]]:
    """One run and its differences, in the order found."""
    with uow.begin() as session:
        connection = session.connection()
        row = connection.execute(select(RUNS).where(RUNS.c.id == run_id)).mappings().first()
        if row is None:
            raise InvalidRequest(f"no reconciliation run {run_id}; `docking reconcile runs` lists them")
        found = connection.execute(
            select(DIFFERENCES).where(DIFFERENCES.c.run_id == run_id).order_by(DIFFERENCES.c.id)
        ).mappings()
        return _run(row), [dict(d) for d in found]


def _run(row: Any) -> StoredRun:
    values = dict(row)
    values["started_at"] = from_db(values["started_at"])
    if values["finished_at"] is not None:
        values["finished_at"] = from_db(values["finished_at"])
    return StoredRun(**values)
