"""The traffic platform's PartnerSpec (adapter/partners/spec.py): the machine, the actions, the rules model, the
bodies, inbound handling, due dates, and reconciliation — what the platform should say about a case
(TrafficPartnerStatus: PARTNER_STATUS, the word it uses for each of ours), which of its words agree with ours
(AGREES, the status-equivalence table), its monthly figures counted its way, and how to bring it back in step when
it says something else."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from adapter.deadlines.calendar import WorkCalendar
from adapter.partners.machine import Machine
from adapter.partners.spec import Action, Change, Outgoing, PartnerDue, PartnerRecord, figures_by_status
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
    S.ACCEPTED: P.MEDIATING,  # accepted is in mediation for the platform (调解中): our start of it is not sent
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


# Each word of the platform and the statuses of ours it agrees with: its vocabulary is coarser than ours, and it
# does not hear of some of our steps (the start of mediation, a JC, an escalation, a close) — saying the word of the
# step before is no difference. Every one of its words is a key (tests/unit/test_traffic_reconcile.py).
AGREES: dict[TrafficPartnerStatus, frozenset[TrafficStatus]] = {
    P.OFFERED: frozenset({S.OFFERED, S.OFFER_OVERDUE}),
    P.DECLINED: frozenset({S.DECLINED}),
    # A platform that reports the answer as "accepted", or at once as "mediating" (the sandbox's, 调解中): the same.
    P.ACCEPTED: frozenset({S.ACCEPTED, S.MEDIATING}),
    P.MEDIATING: frozenset({S.ACCEPTED, S.MEDIATING}),
    P.SUSPENDED: frozenset({S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW}),
    # JC runs through the court flows: the platform's case stays agreed, and after a rejection until a claim.
    P.AGREED: frozenset({S.AGREEMENT_EFFECTIVE, S.JC_APPLIED, S.JC_CONFIRMED, S.JC_REJECTED, S.LITIGATION_ADVISED}),
    P.FAILED: frozenset({S.TERMINATED, S.LITIGATION_ADVISED}),
    # A refusal leaves the platform's claim open; an escalation (court or regulator) is not sent to it.
    P.CLAIMING: frozenset({S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED, S.CLAIM_REFUSED, S.ESCALATED}),
    P.SETTLED: frozenset({S.PAID, S.PART_PAID, S.ESCALATED}),  # escalated after a short payment
    P.CLOSED: frozenset({S.CLOSED}),
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

    def agrees(self, record: PartnerRecord, theirs: str | None) -> bool:
        """`theirs` is among the platform's words for our status (AGREES); None (it lost the case) never agrees."""
        try:
            return S(record.status) in AGREES[P(theirs or "")]
        except ValueError:  # a word the platform's vocabulary lacks: a difference, named as it came
            return False

    def figures(self, records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
        """The platform's figures: the cases it offered in `month` (its `offered_at`, China time) by its status —
        ours offered that month counted by PARTNER_STATUS, a case we closed as what the platform last heard."""
        return figures_by_status(_last_heard, records, month, _offered_at)

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        """Resend what the platform lacks: our offer answer (it still says offered), the outcome (it still says
        mediating or suspended), open appraisal requests (it says mediating while we wait), the claims it never
        had (it says agreed while we claim — only those the insurer has not answered: a refused or answered claim
        reached it, and a refusal is never asked again). Anything else — the platform ahead of us, a review it
        started — is an operator's."""
        ours = self.partner_status(record)
        if self.agrees(record, theirs):
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
            lost = [c for c in facts.claims(record).values() if c.get("status", "requested") == "requested"]
            return tuple(Outgoing(T.CLAIM_REQUEST, ClaimRequest.model_validate(c["request"])) for c in lost)
        return ()


def _last_heard(record: PartnerRecord) -> str:
    """The platform's word for the case as it last heard of it: our close is not sent to it (AGREES), so a case we
    closed counts as the status it was closed from (facts.closed_from, actions.py close); closed before that was
    kept: "closed"."""
    before = record.facts.get("closed_from") if record.status == S.CLOSED else None
    return PARTNER_STATUS[S(before)].value if before in PARTNER_STATUS else PARTNER_STATUS[S(record.status)].value


def _offered_at(record: PartnerRecord) -> datetime:
    """When the platform made the offer (the month its figures count it in); opened_at for a record without it."""
    stored = record.facts.get("offered_at")
    return datetime.fromisoformat(stored) if isinstance(stored, str) and stored else record.opened_at


TRAFFIC = TrafficSpec()
