"""GET /api/court/v1/cases/{ref}: a court's status query on one of *its* cases (partners.md §6: for when its
resends run out) — what it should show for the case and the state of each message we owe it.

A court role sees only its own platform's cases: another platform's case, named by any of its ids, is the same
404 as a case that does not exist, so a court learns nothing of cases that are not its own. The push intake
endpoints (court dispatches, rulings, receipts) join this router.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import or_
from sqlalchemy.orm import defer
from sqlmodel import col, select

from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.states import CaseStatus, court_view
from api.access import context, require
from api.clients import Client
from api.models import problem_responses
from api.problems import not_found_case
from schemas.clock import china_iso

router = APIRouter(prefix="/api/court/v1", tags=["court"])
Court = Annotated[Client, Depends(require("court"))]


@router.get("/cases/{ref}", responses=problem_responses(401, 403, 404))
def case_status(request: Request, ref: str, client: Court) -> dict[str, Any]:
    """One of the calling court's cases, by our case id or the court's own; its status as the court should show
    it once every message is delivered, and each message's delivery state."""
    platform = client.role.platform
    query = (
        select(CaseRow)
        .where(col(CaseRow.platform) == platform, or_(col(CaseRow.id) == ref, col(CaseRow.platform_case_id) == ref))
        .options(defer(CaseRow.dispatch_json), defer(CaseRow.agreement_json))  # type: ignore[arg-type]
    )
    with context(request).reads.begin() as session:
        case = session.exec(query).first()
        if case is None:
            raise not_found_case(ref)
        messages = session.exec(
            select(OutboxRow)
            .where(OutboxRow.case_id == case.id)
            .order_by(col(OutboxRow.id))
            .options(defer(OutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]  # never opened here
        )
        sent = [
            {
                "message_id": m.message_id,
                "seq": m.seq,
                "type": m.type,
                "status": m.status,
                "delivered_at": china_iso(m.delivered_at) if m.delivered_at else None,
            }
            for m in messages
        ]
    return {
        "case_id": case.id,
        "court_case_id": case.platform_case_id,
        "case_number": case.case_number,
        "court_status": court_view(CaseStatus(case.status)).value,
        "messages": sent,
    }
