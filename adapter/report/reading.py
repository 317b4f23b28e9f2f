"""What the monthly report reads (adapter/report/monthly.py): unsealed columns and the stored JSON as text, so
sealed values stay sealed and no data key is needed; ids in chunks under every backend's parameter limit."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, type_coerce
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintRow
from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow, QuarantineRow
from adapter.report.complaint_figures import ReportComplaint, ReportComplaintEvent
from schemas.clock import from_db

_CHUNK = 500  # ids per IN (…): well under every backend's bound-parameter limit


@dataclass(frozen=True)
class ReportCase:
    """A case as the report reads it: unsealed columns, the stored JSON as text (sealed values still sealed).
    Also what the deadline engine reads (adapter/deadlines/facts.py StoredCase)."""

    id: str
    platform_case_id: str
    case_number: str | None
    court_code: str | None
    flow: str
    procedure: str
    status: str
    cause: str
    amount: str
    created_at: datetime
    agreement_effective_at: datetime | None
    court_dispatched_at: datetime | None
    dispatch_json: str
    agreement_json: str | None


@dataclass(frozen=True)
class ReportEvent:
    id: int | None
    case_id: str
    at: datetime
    event: str
    to_status: str
    actor: str
    detail: str


CASE_COLUMNS = (
    col(CaseRow.id),
    col(CaseRow.platform_case_id),
    col(CaseRow.case_number),
    col(CaseRow.court_code),
    col(CaseRow.flow),
    col(CaseRow.procedure),
    col(CaseRow.status),
    col(CaseRow.cause),
    col(CaseRow.amount),
    col(CaseRow.created_at),
    col(CaseRow.agreement_effective_at),
    col(CaseRow.court_dispatched_at),
    type_coerce(col(CaseRow.dispatch_json), Text).label("dispatch_json"),  # bypasses SealedJson: nothing opened
    type_coerce(col(CaseRow.agreement_json), Text).label("agreement_json"),
)
EVENT_COLUMNS = (
    col(CaseEventRow.id),
    col(CaseEventRow.case_id),
    col(CaseEventRow.at),
    col(CaseEventRow.event),
    col(CaseEventRow.to_status),
    col(CaseEventRow.actor),
    col(CaseEventRow.detail),
)


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def events(session: Session, *where: Any) -> list[ReportEvent]:
    return [
        ReportEvent(**row._mapping) for row in session.connection().execute(core_select(*EVENT_COLUMNS).where(*where))
    ]


def events_of(session: Session, ids: Sequence[str]) -> list[ReportEvent]:
    return [e for chunk in _chunks(ids) for e in events(session, col(CaseEventRow.case_id).in_(chunk))]


def cases(session: Session, ids: Sequence[str]) -> list[ReportCase]:
    return [
        ReportCase(**row._mapping)
        for chunk in _chunks(ids)
        for row in session.connection().execute(core_select(*CASE_COLUMNS).where(col(CaseRow.id).in_(chunk)))
    ]


def messages(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    by_status = dict(
        session.exec(
            select(OutboxRow.status, func.count())
            .where(col(OutboxRow.created_at) >= start, col(OutboxRow.created_at) < end)
            .group_by(OutboxRow.status)
        ).all()
    )
    delivered = session.exec(
        select(func.count(col(OutboxRow.id))).where(
            col(OutboxRow.delivered_at) >= start, col(OutboxRow.delivered_at) < end
        )
    ).one()
    quarantined = session.exec(
        select(func.count(col(QuarantineRow.id))).where(
            col(QuarantineRow.received_at) >= start, col(QuarantineRow.received_at) < end
        )
    ).one()
    return {
        "by_status": {str(k): int(v) for k, v in by_status.items()},
        "delivered": int(delivered),
        "quarantined": int(quarantined),
    }


def ordered(history: Iterable[ReportEvent]) -> list[ReportEvent]:
    """A history in the order it happened (the id breaks ties, as in adapter/deadlines/facts.py)."""
    return sorted(history, key=lambda e: (from_db(e.at), e.id or 0))


def cases_created(session: Session, start: datetime, end: datetime) -> list[ReportCase]:
    """The cases registered in [start, end)."""
    query = core_select(*CASE_COLUMNS).where(col(CaseRow.created_at) >= start, col(CaseRow.created_at) < end)
    return [ReportCase(**row._mapping) for row in session.connection().execute(query)]


# ---- complaints (adapter/report/complaint_figures.py): unsealed columns only, the complaint record stays sealed

COMPLAINT_COLUMNS: tuple[Any, ...] = (
    col(ComplaintRow.complaint_id).label("id"),
    col(ComplaintRow.received_at),
    col(ComplaintRow.channel),
    col(ComplaintRow.institution_kind),
    col(ComplaintRow.institution_name),
    col(ComplaintRow.business),
    col(ComplaintRow.track),
    col(ComplaintRow.decision_result),
    col(ComplaintRow.remedy_amount),
    col(ComplaintRow.paid_at),
)


def complaints_received(session: Session, start: datetime, end: datetime) -> list[ReportComplaint]:
    """The complaints received in [start, end)."""
    query = core_select(*COMPLAINT_COLUMNS).where(
        col(ComplaintRow.received_at) >= start, col(ComplaintRow.received_at) < end
    )
    return [ReportComplaint(**row._mapping) for row in session.connection().execute(query)]


def complaint_events(session: Session, start: datetime, end: datetime) -> list[ReportComplaintEvent]:
    """The complaints' history entries in [start, end) (no detail: it is never needed for a count)."""
    columns = (
        col(ComplaintEventRow.id),
        col(ComplaintEventRow.complaint_id),
        col(ComplaintEventRow.at),
        col(ComplaintEventRow.event),
    )
    query = core_select(*columns).where(col(ComplaintEventRow.at) >= start, col(ComplaintEventRow.at) < end)
    return [ReportComplaintEvent(**row._mapping) for row in session.connection().execute(query)]


def complaints(session: Session, ids: Sequence[str]) -> list[ReportComplaint]:
    return [
        ReportComplaint(**row._mapping)
        for chunk in _chunks(ids)
        for row in session.connection().execute(
            core_select(*COMPLAINT_COLUMNS).where(col(ComplaintRow.complaint_id).in_(chunk))
        )
    ]
