"""ARBITRATION: the arbitration commissions' PartnerSpec (adapter/partners/spec.py) — machine, actions, rules, bodies,
inbound, due dates, and reconciliation (what the commission should say, and what brings it back in step).

    ours (status)                                  theirs (ArbPartnerStatus)   repair when theirs differs
    DRAFT                                          — (nothing sent)
    SUBMITTED                                      received                     unknown/None → resend arb.application
    ACCEPTED                                       accepted
    FEE_PAID                                       in_proceedings               accepted → resend arb.fee_paid
    TRIBUNAL_FORMED, IN_PROCEEDINGS, REPENTED      in_proceedings
    INSTRUMENT_ISSUED, SERVING                     instrument_issued
    EFFECTIVE, AWARD_ISSUED, UPHELD                effective
    SET_ASIDE_PENDING / SET_ASIDE / REFUSED        set_aside_pending / set_aside / refused
    CLOSED                                         closed, or as before it (effective / set_aside; both accepted)
    WITHDRAWN                                      withdrawn                    ours, by the centre → resend
    ENTRUSTED, MEDIATING / RESULT_SENT             entrusted / result_received  entrusted → resend the result
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from adapter.partners.arbitration import deadlines, inbound
from adapter.partners.arbitration.actions import ACTIONS
from adapter.partners.arbitration.facts import read
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.arbitration.states import MACHINE, ArbStatus
from adapter.partners.machine import Machine
from adapter.partners.spec import Action, Outgoing, PartnerRecord, figures_by_status
from schemas.arbitration import (
    BODIES,
    ApplicationBody,
    ArbMessageType,
    ArbPartnerStatus,
    SetAsideRuling,
)
from schemas.partner import PartnerKind

S, P = ArbStatus, ArbPartnerStatus
THEIRS: dict[ArbStatus, ArbPartnerStatus] = {
    S.SUBMITTED: P.RECEIVED,
    S.REFUSED: P.REFUSED,
    S.ACCEPTED: P.ACCEPTED,
    S.FEE_PAID: P.IN_PROCEEDINGS,
    S.TRIBUNAL_FORMED: P.IN_PROCEEDINGS,
    S.IN_PROCEEDINGS: P.IN_PROCEEDINGS,
    S.REPENTED: P.IN_PROCEEDINGS,
    S.INSTRUMENT_ISSUED: P.INSTRUMENT_ISSUED,
    S.SERVING: P.INSTRUMENT_ISSUED,
    S.EFFECTIVE: P.EFFECTIVE,
    S.AWARD_ISSUED: P.EFFECTIVE,
    S.UPHELD: P.EFFECTIVE,
    S.SET_ASIDE_PENDING: P.SET_ASIDE_PENDING,
    S.SET_ASIDE: P.SET_ASIDE,
    S.WITHDRAWN: P.WITHDRAWN,
    S.ENTRUSTED: P.ENTRUSTED,
    S.MEDIATING: P.ENTRUSTED,
    S.RESULT_SENT: P.RESULT_RECEIVED,
}


class ArbitrationSpec:
    kind: PartnerKind = PartnerKind.ARBITRATION
    machine: Machine = MACHINE
    actions: Mapping[str, Action] = ACTIONS
    rules_model: type[BaseModel] = CommissionRules

    def body_model(self, type: str) -> type[BaseModel]:
        """The typed body of `type`; KeyError names the types known."""
        try:
            return BODIES[type]
        except KeyError:
            raise KeyError(f"unknown arbitration message type {type!r}; known: {', '.join(sorted(BODIES))}") from None

    # The kind's pure functions as they are (their signatures are the protocol's).
    on_message = staticmethod(inbound.on_message)
    due_dates = staticmethod(deadlines.due_dates)

    def partner_status(self, record: PartnerRecord) -> str | None:
        status = S(record.status)
        if status is S.DRAFT:
            return None
        if status is S.CLOSED:
            facts = read(record.facts)
            if facts.entrusted is not None:
                return P.RESULT_RECEIVED.value
            ruled = facts.set_aside.ruling if facts.set_aside else None
            return (P.SET_ASIDE if ruled is SetAsideRuling.SET_ASIDE else P.EFFECTIVE).value
        return THEIRS[status].value

    def agrees(self, record: PartnerRecord, theirs: str | None) -> bool:
        """The table above: THEIRS one for one, and a CLOSED case either as it ended or closed."""
        if theirs == self.partner_status(record):
            return True
        return S(record.status) is S.CLOSED and theirs == P.CLOSED

    def figures(self, records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
        """A commission publishes no figures for us (partners.md §3; its statistics are None): where one does, its
        cases received that month by its status — ours opened that month counted by partner_status."""
        return figures_by_status(self.partner_status, records, month)

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        """Resend what the commission lost: the application, the fee payment, our withdrawal, the mediation result."""
        status, facts = S(record.status), read(record.facts)
        if self.agrees(record, theirs):
            return ()
        lost = theirs in (None, P.UNKNOWN)
        if status is S.SUBMITTED and lost and facts.application is not None:
            sent_at = facts.submitted_at or now
            body = ApplicationBody(application=facts.application, submitted_at=sent_at)
            return (Outgoing(ArbMessageType.APPLICATION, body),)
        if status is S.FEE_PAID and theirs == P.ACCEPTED and facts.fee_paid is not None:
            return (Outgoing(ArbMessageType.FEE_PAID, facts.fee_paid),)
        if status is S.WITHDRAWN and facts.withdrawn_by == "centre" and facts.withdrawn is not None:
            return (Outgoing(ArbMessageType.WITHDRAWN, facts.withdrawn),)
        if status is S.RESULT_SENT and theirs == P.ENTRUSTED and facts.result is not None:
            return (Outgoing(ArbMessageType.MEDIATION_RESULT, facts.result),)
        return ()


ARBITRATION = ArbitrationSpec()
