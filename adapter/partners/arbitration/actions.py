"""What the centre does to an arbitration record: each a pure Action returning a Change (the core stores it, queues
its messages and advances the status through MACHINE — an event the status does not allow is refused there).

    submit_application   opens; runs the guard (nothing stored or sent when it refuses); → SUBMITTED, arb.application
    pay_fee              ACCEPTED → FEE_PAID, arb.fee_paid (at least the notice's amount)
    withdraw             before effect → WITHDRAWN, arb.withdrawn (a draft: nothing sent)
    start_mediation      ENTRUSTED → MEDIATING (the reverse: mediation a commission entrusted to the centre)
    send_mediation_result ENTRUSTED|MEDIATING → RESULT_SENT, arb.mediation_result
    close                → CLOSED once an award's set-aside window passed [P21 Art 59] (a 调解书 at once), or ruled
"""

from datetime import datetime

from pydantic import Field

from adapter.deadlines.calendar import china_date
from adapter.errors import InvalidRequest
from adapter.partners.arbitration.deadlines import add_months
from adapter.partners.arbitration.facts import dump, read
from adapter.partners.arbitration.guard import check_application
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.arbitration.states import MACHINE, ArbEvent, ArbStatus
from adapter.partners.spec import Action, Change, Outgoing, PartnerRecord, Unique
from schemas.arbitration import (
    ApplicationBody,
    ArbitrationApplication,
    ArbMessageType,
    FeePaidBody,
    FeePayer,
    MediationAgreement,
    MediationOutcome,
    MediationResultBody,
    WithdrawalReason,
    WithdrawnBody,
)
from schemas.case import Record
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp

E, S = ArbEvent, ArbStatus
Opt = PartnerRecord | None  # the record acted on; None for the action that opens it


class SubmitInput(Record):
    application: ArbitrationApplication


class PayFeeInput(Record):
    amount: RMB | None = None  # None: the fee notice's amount
    paid_at: Timestamp | None = None  # None: now
    payer: FeePayer | None = None  # None: the application's fee_payer
    reference: Line = Field(default="", max_length=64)


class WithdrawInput(Record):
    reason: WithdrawalReason  # required: a withdrawal states why (the commission is told it)
    text: Text = Field(default="", max_length=1000)


class NoInput(Record):
    pass


class ResultInput(Record):
    outcome: MediationOutcome
    agreement: MediationAgreement | None = None
    text: Text = Field(default="", max_length=2000)


def submit_application(record: Opt, data: SubmitInput, now: datetime, rules: CommissionRules) -> Change:
    """Guard the application (InvalidRequest naming field and rule: adapter/partners/arbitration/guard.py), fill in
    the procedure by the commission's threshold when not chosen [P25], and send it."""
    app = data.application
    try:
        check_application(app, now, rules)
    except InvalidRequest as exc:  # the guard names the application's fields; the input nests them under it
        field = f"application.{exc.field}" if exc.field else None
        raise InvalidRequest(str(exc), field=field, rule=exc.rule) from None
    amount = app.claim_amount
    if app.procedure is None:
        app = app.model_copy(update={"procedure": rules.procedure_for(amount)})
    case_id = app.mediation_agreement.case_id if app.mediation_agreement else None
    return Change(
        event=E.SUBMIT,
        facts=dump(application=app, submitted_at=now),
        detail=f"application for a {app.requested_instrument.value} sent ({app.procedure} procedure, ¥{amount:.2f})",
        outgoing=(Outgoing(ArbMessageType.APPLICATION, ApplicationBody(application=app, submitted_at=now)),),
        subject=case_id or app.requested_instrument.value,
        amount=f"{amount:.2f}",
        case_id=case_id,
    )


def pay_fee(record: Opt, data: PayFeeInput, now: datetime, rules: CommissionRules) -> Change:
    """The fee paid (yuan): at least the notice's amount, else InvalidRequest(field="amount",
    rule="fee_below_notice")."""
    facts = read(_record(record).facts)
    notice = facts.fee_notice.amount if facts.fee_notice else None
    amount = data.amount if data.amount is not None else notice
    if amount is None:
        raise InvalidRequest("no fee notice to pay: give the amount", field="amount", rule="fee_amount_required")
    if notice is not None and amount < notice:
        raise InvalidRequest(
            f"¥{amount:.2f} is less than the notice's ¥{notice:.2f}", field="amount", rule="fee_below_notice"
        )
    payer = data.payer or (facts.application.fee_payer if facts.application else FeePayer.APPLICANT)
    paid_at = data.paid_at or now
    body = FeePaidBody(amount=amount, paid_at=paid_at, payer=payer, reference=data.reference)
    return Change(
        event=E.PAY_FEE,
        facts=dump(fee_paid_at=paid_at, fee_paid=body),
        detail=f"fee ¥{amount:.2f} paid by {payer.value}",
        outgoing=(Outgoing(ArbMessageType.FEE_PAID, body),),
    )


def withdraw(record: Opt, data: WithdrawInput, now: datetime, rules: CommissionRules) -> Change:
    """Withdraw before the instrument takes effect; an entrustment is answered with a result instead."""
    current = _record(record)
    if current.status in (S.ENTRUSTED, S.MEDIATING):
        raise InvalidRequest(
            "an entrusted mediation is ended by sending its result (declined or failed), not withdrawn",
            rule="entrustment_ended_by_result",
        )
    body = WithdrawnBody(withdrawn_at=now, reason=data.reason, text=data.text)
    sent = () if current.status == S.DRAFT else (Outgoing(ArbMessageType.WITHDRAWN, body),)
    facts = dump(withdrawn=body, withdrawn_by="centre")
    return Change(event=E.WITHDRAW, facts=facts, detail=f"withdrawn ({data.reason.value})", outgoing=sent)


def start_mediation(record: Opt, data: NoInput, now: datetime, rules: CommissionRules) -> Change:
    _record(record)
    return Change(event=E.START_MEDIATION, detail="entrusted mediation started")


def send_mediation_result(record: Opt, data: ResultInput, now: datetime, rules: CommissionRules) -> Change:
    """The entrusted mediation's outcome to the commission; a settled one carries the (effective) agreement."""
    _record(record)
    try:
        body = MediationResultBody(outcome=data.outcome, at=now, agreement=data.agreement, text=data.text)
    except ValueError as exc:  # pydantic's ValidationError: a settled result without its agreement, or vice versa
        raise InvalidRequest(
            str(exc).splitlines()[-1].strip(), field="agreement", rule="agreement_iff_settled"
        ) from None
    if data.agreement is not None and (data.agreement.effective_at is None or data.agreement.effective_at > now):
        raise InvalidRequest(
            "the settlement is not yet effective",
            field="agreement.effective_at",
            rule="mediation_agreement_not_effective",
        )
    outgoing = (Outgoing(ArbMessageType.MEDIATION_RESULT, body),)
    return Change(
        event=E.SEND_RESULT,
        facts=dump(result=body),
        detail=f"mediation result: {data.outcome.value}",
        outgoing=outgoing,
    )


def close(record: Opt, data: NoInput, now: datetime, rules: CommissionRules) -> Change:
    """Close a record in effect once its award's set-aside window has passed (the unshifted last day: the due
    date's exact close, moved off rest days, is the deadline sweep's) — a 调解书 has no such window (Art 58 sets aside
    awards) —, or one whose set-aside was ruled, or a result sent."""
    current = _record(record)
    received = read(current.facts).award_received_at
    if current.status in (S.EFFECTIVE, S.AWARD_ISSUED) and received is not None:
        last_day = add_months(china_date(received), rules.set_aside_months)
        if china_date(now) <= last_day:
            raise InvalidRequest(
                f"the set-aside window is open until at least {last_day} (Arbitration Law Art 59); close after it",
                rule="set_aside_window_open",
            )
    return Change(event=E.CLOSE, detail="closed")


def same_settlement(existing: PartnerRecord, change: Change) -> bool:
    """A second application on the settlement an open application is already for (one settlement, one
    instrument): the same mediation case when it names one, else the same agreement document (its SHA-256). An
    application without a mediation agreement has no such identity: never a duplicate."""
    ours = (change.facts.get("application") or {}).get("mediation_agreement")
    theirs = (existing.facts.get("application") or {}).get("mediation_agreement")
    if not ours or not theirs:
        return False
    if ours.get("case_id"):
        return bool(theirs.get("case_id") == ours["case_id"])
    return bool(theirs.get("pdf", {}).get("sha256") == ours["pdf"]["sha256"])


def _record(record: PartnerRecord | None) -> PartnerRecord:
    if record is None:
        raise InvalidRequest("this action needs an existing arbitration record", rule="record_required")
    return record


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "submit_application",
            "guard and send an application to the commission",
            SubmitInput,
            submit_application,
            opens=True,
            events=(E.SUBMIT,),
            unique=Unique("application.mediation_agreement", same_settlement),
        ),
        Action("pay_fee", "report the fee paid", PayFeeInput, pay_fee),
        Action(
            "withdraw",
            "withdraw the application before it takes effect",
            WithdrawInput,
            withdraw,
            available=lambda r: r.status not in (S.ENTRUSTED, S.MEDIATING) and "withdraw" in MACHINE.allowed(r.status),
        ),
        Action("start_mediation", "start mediating a case a commission entrusted", NoInput, start_mediation),
        Action(
            "send_mediation_result",
            "send an entrusted mediation's result",
            ResultInput,
            send_mediation_result,
            events=(E.SEND_RESULT,),
        ),
        Action("close", "close the record", NoInput, close),
    )
}
