"""Reconciliation, first version: compare each case's court view with the platform's own status.

A case with undelivered messages is "in flight", not a difference. Classification and repair come later
(issue 7); this pass already proves, case by case, that both sides agree.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import col, select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from adapter.db import UnitOfWork
from adapter.platforms import Platforms
from adapter.states import CaseStatus, court_view
from adapter.tables import CaseRow, OutboxRow
from connectors.port import TransientError
from schemas.enums import CourtStatus


@dataclass(frozen=True)
class Difference:
    case_id: str
    platform: str
    platform_case_id: str
    ours: CourtStatus
    theirs: CourtStatus | None
    kind: str  # missing_at_platform | state_mismatch | platform_unconfigured


@dataclass
class ReconcileReport:
    checked: int = 0
    in_flight: int = 0
    differences: list[Difference] = field(default_factory=list)


def reconcile(uow: UnitOfWork, platforms: Platforms, *, batch: int = 200) -> ReconcileReport:
    report = ReconcileReport()
    for rows in _batches(uow, batch):
        by_platform: dict[str, list[CaseRow]] = {}
        for row in rows:
            by_platform.setdefault(row.platform or "", []).append(row)
        for platform, cases in by_platform.items():
            link = platforms.get(platform)
            if link is None:
                report.differences += [
                    Difference(
                        c.id,
                        platform,
                        c.platform_case_id,
                        court_view(CaseStatus(c.status)),
                        None,
                        "platform_unconfigured",
                    )
                    for c in cases
                ]
                continue
            theirs = _status_retrying()(link.connector.query_status, [c.platform_case_id for c in cases])
            for case in cases:
                report.checked += 1
                ours, their = court_view(CaseStatus(case.status)), theirs.get(case.platform_case_id)
                if their is None:
                    report.differences.append(
                        Difference(case.id, platform, case.platform_case_id, ours, None, "missing_at_platform")
                    )
                elif their is not ours:
                    report.differences.append(
                        Difference(case.id, platform, case.platform_case_id, ours, their, "state_mismatch")
                    )
    report.in_flight = _in_flight(uow)
    return report


def _status_retrying() -> Retrying:
    """A status query is read-only and cheap to repeat: ride out a few transient failures before giving up."""
    return Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(5),
        wait=wait_exponential_jitter(multiplier=0.2, max=3),
        reraise=True,
    )


def _batches(uow: UnitOfWork, size: int) -> Iterator[list[CaseRow]]:
    """Cases known to a court and with nothing left to deliver, in id order (keyset paging: bounded memory)."""
    after = ""
    pending = select(OutboxRow.case_id).where(OutboxRow.status == "pending")
    while True:
        with uow.begin() as session:
            query = (
                select(CaseRow)
                .where(
                    col(CaseRow.platform).is_not(None),
                    col(CaseRow.id) > after,
                    col(CaseRow.id).not_in(pending),
                )
                .order_by(col(CaseRow.id))
                .limit(size)
            )
            rows = list(session.exec(query).all())
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _in_flight(uow: UnitOfWork) -> int:
    with uow.begin() as session:
        query = select(OutboxRow.case_id).where(OutboxRow.status == "pending").distinct()
        return len(session.exec(query).all())
