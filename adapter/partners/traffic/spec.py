"""The traffic platform's PartnerSpec (adapter/partners/spec.py): the machine, the actions, the rules model, the
bodies, inbound handling, due dates, and reconciliation — what the platform should say about a case
(TrafficPartnerStatus) and how to bring it back in step when it says something else."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from adapter.deadlines.calendar import WorkCalendar
from adapter.partners.machine import Machine
from adapter.partners.spec import Action, Change, Outgoing, PartnerDue, PartnerRecord
from adapter.partners.traffic import deadlines, facts, inbound
from adapter.partners.traffic.actions import ACTIONS
from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.states import MACHINE, TrafficStatus
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.traffic import (
    BODIES,
    AppraisalRequest,
    ClaimRequest,
    OfferAnswer,
    Outcome,
    TrafficMessageType,
    TrafficPartnerStatus,
)

S, P, T = TrafficStatus, TrafficPartnerStatus, TrafficMessageType

PARTNER_STATUS: dict[TrafficStatus, TrafficPartnerStatus] = {
    S.OFFERED: P.OFFERED,
    S.OFFER_OVERDUE: P.OFFERED,
    S.DECLINED: P.DECLINED,
    S.ACCEPTED: P.ACCEPTED,
    S.MEDIATING: P.MEDIATING,
    S.APPRAISAL_PENDING: P.SUSPENDED,
    S.LIABILITY_UNDER_REVIEW: P.SUSPENDED,
    S.AGREEMENT_EFFECTIVE: P.AGREED,
    S.JC_APPLIED: P.AGREED,
    S.JC_CONFIRMED: P.AGREED,
    S.JC_REJECTED: P.AGREED,
    S.TERMINATED: P.FAILED,
    S.LITIGATION_ADVISED: P.FAILED,
    S.CLAIM_REQUESTED: P.CLAIMING,
    S.CLAIM_ASSESSING: P.CLAIMING,
    S.CLAIM_AGREED: P.CLAIMING,
    S.CLAIM_REFUSED: P.CLAIMING,
    S.ESCALATED: P.CLAIMING,
    S.PAID: P.SETTLED,
    S.PART_PAID: P.SETTLED,
    S.CLOSED: P.CLOSED,
}


class TrafficSpec:
    kind: PartnerKind = PartnerKind.TRAFFIC
    machine: Machine = MACHINE
    actions: Mapping[str, Action] = ACTIONS
    rules_model: type[BaseModel] = TrafficRules

    def body_model(self, type: str) -> type[BaseModel]:
        try:
            return BODIES[type]
        except KeyError:
            raise KeyError(f"no traffic message type {type!r}; known: {', '.join(sorted(BODIES))}") from None

    def on_message(self, record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
        return inbound.on_message(record, envelope, now, rules)

    def due_dates(
        self,
        record: PartnerRecord,
        history: Sequence[tuple[datetime, str]],
        calendar: WorkCalendar,
        now: datetime,
        rules: Any,
    ) -> list[PartnerDue]:
        return deadlines.due_dates(record, history, calendar, now, rules)

    def partner_status(self, record: PartnerRecord) -> str | None:
        """The platform's coarse status of the case as we know it (the platform made the offer: never None)."""
        return PARTNER_STATUS[S(record.status)].value

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        """Resend what the platform lacks: our offer answer (it still says offered), the outcome (it still says
        mediating or suspended), open appraisal requests (it says mediating while we wait), the claims (it says
        agreed while we claim). Anything else — the platform ahead of us, a review it started — is an operator's."""
        ours = self.partner_status(record)
        if theirs == ours:
            return ()
        answer, outcome = record.facts.get("answer"), record.facts.get("outcome")
        offer_id = record.facts.get("offer_message_id")
        if theirs == P.OFFERED and answer is not None:
            return (Outgoing(T.OFFER_ANSWER, OfferAnswer.model_validate(answer), correlates_to=offer_id),)
        if theirs in (P.MEDIATING, P.SUSPENDED, P.ACCEPTED) and outcome is not None and ours in (P.AGREED, P.FAILED):
            return (Outgoing(T.OUTCOME, Outcome.model_validate(outcome)),)
        if theirs == P.MEDIATING and record.status == S.APPRAISAL_PENDING:
            waiting = [e["request"] for e in facts.appraisals(record).values() if "result" not in e]
            return tuple(Outgoing(T.APPRAISAL_REQUEST, AppraisalRequest.model_validate(r)) for r in waiting)
        if theirs == P.AGREED and ours == P.CLAIMING:
            claims = facts.claims(record).values()
            return tuple(Outgoing(T.CLAIM_REQUEST, ClaimRequest.model_validate(c["request"])) for c in claims)
        return ()


TRAFFIC = TrafficSpec()
