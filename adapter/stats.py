"""Operational figures straight from the database: cases by outcome, messages by delivery state."""

from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import col, select

from adapter.db import UnitOfWork
from adapter.states import CaseStatus
from adapter.tables import CaseEventRow, CaseRow, OutboxRow, QuarantineRow
from schemas.enums import Flow


def summarize(uow: UnitOfWork) -> dict[str, Any]:
    with uow.begin() as session:
        by_status = dict(session.exec(select(CaseRow.status, func.count()).group_by(CaseRow.status)).all())
        by_flow = dict(session.exec(select(CaseRow.flow, func.count()).group_by(CaseRow.flow)).all())
        reached = dict(
            session.exec(
                select(CaseEventRow.event, func.count(distinct(col(CaseEventRow.case_id)))).group_by(CaseEventRow.event)
            ).all()
        )
        messages = dict(session.exec(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
        quarantined = session.exec(select(func.count(col(QuarantineRow.id)))).one()
    status = lambda s: int(by_status.get(s.value, 0))  # noqa: E731
    return {
        "cases": sum(by_status.values()),
        "dispatched": sum(n for flow, n in by_flow.items() if flow != Flow.SELF_RECEIVED.value),
        "self_received": int(by_flow.get(Flow.SELF_RECEIVED.value, 0)),
        "by_flow": by_flow,
        "accepted": int(reached.get("accept", 0)),
        "declined": status(CaseStatus.DECLINED),
        "settled": int(reached.get("last_party_signs", 0)),
        "failed": int(reached.get("terminate", 0)),
        "jc_requested": int(reached.get("apply_jc", 0)),
        "jc_confirmed": status(CaseStatus.JC_CONFIRMED),
        "jc_rejected": status(CaseStatus.JC_REJECTED),
        "jc_not_accepted": status(CaseStatus.JC_NOT_ACCEPTED),
        "mediation_docs_issued": status(CaseStatus.MEDIATION_DOC_ISSUED),
        "closed_performed": status(CaseStatus.CLOSED_PERFORMED),
        "messages_sent": sum(messages.values()),
        "messages_delivered": int(messages.get("delivered", 0)),
        "messages_pending": int(messages.get("pending", 0)),
        "messages_dead": int(messages.get("dead", 0)),
        "quarantined": int(quarantined),
        "by_status": by_status,
    }
