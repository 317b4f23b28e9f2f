"""What the centre does to a traffic case — each a pure `run(record, input, now, rules) → Change` the generic core
applies (adapter/partners/spec.py Action). Guards (adapter/partners/traffic/guards.py) refuse with InvalidRequest
naming the field and rule before anything is stored or sent; the Machine refuses an action the status does not
allow (IllegalPartnerTransition, a 409).

    accept, decline(reason)            the offer answer, within 3 working days (*unconfirmed*, [P44 Art 12])
    offer_overdue                      the answer period passed (the core's sweep alerts, moves nothing)
    start_mediation(mediator)          ACCEPTED → MEDIATING
    request_appraisal(matters, party)  the mediation clock pauses [P44 Art 26]
    record_outcome(result, …)          agreement (items by head and payer, insurer shares, schedule) or failure code
    apply_jc / record_jc_result        judicial confirmation, through the court flows (ruling due in 30 days)
    withdraw_jc(outcome, reason)       no ruling: withdrawn or not accepted — back to the agreement
    request_claim(basis, policy, payee, amount)  一键理赔; the payee account is sealed in facts, masked in history
    escalate(to), advise_litigation, close
"""

from datetime import datetime
from typing import Any

from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.partners.spec import Action, Change, Outgoing, PartnerRecord
from adapter.partners.traffic import facts, guards
from adapter.partners.traffic.claims import recalculate, shares_of
from adapter.partners.traffic.inputs import (
    ApplyJcInput,
    AppraisalInput,
    ClaimInput,
    DeclineInput,
    EscalateInput,
    JcResultInput,
    NoteInput,
    OutcomeInput,
    StartMediationInput,
    WithdrawJcInput,
)
from adapter.partners.traffic.jc import jc_result
from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.states import TrafficEvent, TrafficStatus
from schemas.case import Record
from schemas.clock import china_iso
from schemas.traffic import (
    AppraisalRequest,
    ClaimRequest,
    OfferAnswer,
    Outcome,
    PolicyRef,
    TrafficMessageType,
)

E, S, T = TrafficEvent, TrafficStatus, TrafficMessageType


def accept(record: PartnerRecord | None, given: NoteInput, now: datetime, rules: TrafficRules) -> Change:
    return _answer(_record(record), OfferAnswer(accepted=True, answered_at=now, reason=given.note), E.ACCEPT)


def decline(record: PartnerRecord | None, given: DeclineInput, now: datetime, rules: TrafficRules) -> Change:
    return _answer(_record(record), OfferAnswer(accepted=False, answered_at=now, reason=given.reason), E.DECLINE)


def _answer(record: PartnerRecord, body: OfferAnswer, event: TrafficEvent) -> Change:
    said = "accepted the offer" if body.accepted else f"declined the offer: {mask_text(body.reason)}"
    reply = Outgoing(T.OFFER_ANSWER, body, correlates_to=record.facts.get("offer_message_id"))
    return Change(event=event, facts={"answer": body.model_dump(mode="json")}, detail=said, outgoing=(reply,))


def offer_overdue(record: PartnerRecord | None, given: NoteInput, now: datetime, rules: Any) -> Change:
    """The answer period passed unanswered (the sweep's offer_answer is overdue): recorded, so the console lists it;
    a late accept or decline still counts, the platform decides whether it takes the case back."""
    return Change(event=E.OFFER_OVERDUE, detail=mask_text(given.note) or "offer answer overdue [P44 Art 12]")


def start_mediation(record: PartnerRecord | None, given: StartMediationInput, now: datetime, rules: Any) -> Change:
    return Change(event=E.START_MEDIATION, facts={"mediator": given.mediator}, detail=f"mediator {given.mediator}")


def request_appraisal(record: PartnerRecord | None, given: AppraisalInput, now: datetime, rules: Any) -> Change:
    record = _record(record)
    guards.party_ref(record, given.party_ref, field="party_ref")
    found = facts.appraisals(record)
    body = AppraisalRequest(
        appraisal_id=f"{record.record_id}-A{len(found) + 1}",
        matters=given.matters,
        party_ref=given.party_ref,
        requested_at=now,
    )
    found[body.appraisal_id] = {"request": body.model_dump(mode="json")}
    detail = f"appraisal {body.appraisal_id} requested: the mediation clock pauses [P44 Art 26]"
    return Change(
        event=E.REQUEST_APPRAISAL,
        facts={"appraisals": found},
        detail=detail,
        outgoing=(Outgoing(T.APPRAISAL_REQUEST, body),),
    )


def record_outcome(record: PartnerRecord | None, given: OutcomeInput, now: datetime, rules: TrafficRules) -> Change:
    record = _record(record)
    if given.result == "failure":
        if given.failure_code is None:
            message = "failure_code: a failure names its code (2–8); rule required"
            raise InvalidRequest(message, field="failure_code", rule="required")
        code = guards.failure(given.failure_code, rules.failure_codes_version)
        body = Outcome(result="failure", at=now, failure_code=code.code, advice=given.advice or code.advice)
        detail = f"mediation failed, code {code.code} {code.name}"
        return Change(
            event=E.TERMINATE,
            facts={"outcome": body.model_dump(mode="json")},
            detail=detail,
            outgoing=(Outgoing(T.OUTCOME, body),),
        )
    offer = facts.offer(record)
    figures = recalculate(offer.claims, facts.certificate(record), offer.parties, offer.policies, rules)
    items = given.items or figures.items
    policies = {p.policy_no for p in offer.policies}
    for number, item in enumerate(items):
        guards.head(item.head, rules.claim_heads_version, field=f"items[{number}].head")
        guards.party_ref(record, item.payer_ref, field=f"items[{number}].payer_ref")
        if item.policy_no is not None and item.policy_no not in policies:
            raise InvalidRequest(
                f"items[{number}].policy_no: {item.policy_no!r} is not a policy of this case; rule policy_of_case",
                field=f"items[{number}].policy_no",
                rule="policy_of_case",
            )
    shares = figures.shares if not given.items else shares_of(items, offer.policies)
    body = Outcome(result="agreement", at=now, items=items, shares=shares, schedule=given.schedule)
    detail = f"agreement on {body.total} yuan under certificate {figures.cert_no}"
    return Change(
        event=E.AGREE,
        facts={"outcome": body.model_dump(mode="json")},
        detail=detail,
        amount=f"{body.total:.2f}",
        outgoing=(Outgoing(T.OUTCOME, body),),
    )


def apply_jc(record: PartnerRecord | None, given: ApplyJcInput, now: datetime, rules: Any) -> Change:
    jc = {"applied_at": china_iso(now), "court_code": given.court_code, "case_id": given.case_id}
    detail = f"judicial confirmation applied for at court {given.court_code} (court flows)"
    return Change(event=E.APPLY_JC, facts={"jc": jc}, detail=detail, case_id=given.case_id)


def record_jc_result(record: PartnerRecord | None, given: JcResultInput, now: datetime, rules: Any) -> Change:
    return jc_result(_record(record), given.confirmed, given.ruling_no, now, given.reason)


def withdraw_jc(record: PartnerRecord | None, given: WithdrawJcInput, now: datetime, rules: Any) -> Change:
    """JC_APPLIED → AGREEMENT_EFFECTIVE: the application ended without a ruling (withdrawn by the parties, or not
    accepted by the court — domain.md §3); the agreement stands, to be performed, claimed on or applied for again.
    A ruling the platform sends later is kept as an out-of-order note (jc.py)."""
    jc: dict[str, Any] = {**(_record(record).facts.get("jc") or {}), "ended": given.outcome, "ended_at": china_iso(now),
                          "reason": given.reason}  # fmt: skip
    said = "withdrawn" if given.outcome == "withdrawn" else "not accepted by the court"
    return Change(event=E.JC_WITHDRAW, facts={"jc": jc}, detail=f"JC application {said}: {mask_text(given.reason)}")


def request_claim(record: PartnerRecord | None, given: ClaimInput, now: datetime, rules: Any) -> Change:
    record = _record(record)
    try:
        policy_ref = PolicyRef(insurer_uscc=given.insurer_uscc, policy_no=given.policy_no)
    except ValueError:
        raise InvalidRequest(
            f"insurer_uscc: {given.insurer_uscc!r} is not a valid USCC (GB 32100 check); rule uscc",
            field="insurer_uscc",
            rule="uscc",
        ) from None
    guards.claim_basis(record, given.basis, given.basis_ref)
    policy = guards.claim_policy(record, policy_ref.insurer_uscc, given.policy_no, given.amount)
    claims = facts.claims(record)
    body = ClaimRequest(
        claim_id=f"{record.record_id}-C{len(claims) + 1}",
        basis=given.basis,
        basis_ref=given.basis_ref,
        policy=policy_ref,
        payee=given.payee,
        amount=given.amount,
        requested_at=now,
    )
    claims[body.claim_id] = {
        "request": body.model_dump(mode="json"),
        "status": "requested",
        "requested_at": china_iso(now),
    }
    # The account stays in the sealed facts and the outgoing body: the history line names only its last digits.
    detail = (
        f"claim {body.claim_id} on {policy.cover.value} policy {policy.policy_no}: {given.amount} yuan on "
        f"{given.basis.value} {given.basis_ref}, payee {given.payee.name} account ****{given.payee.account[-4:]}"
    )
    return Change(
        event=E.REQUEST_CLAIM, facts={"claims": claims}, detail=detail, outgoing=(Outgoing(T.CLAIM_REQUEST, body),)
    )


def escalate(record: PartnerRecord | None, given: EscalateInput, now: datetime, rules: Any) -> Change:
    found = {"to": given.to, "at": china_iso(now), "note": given.note}
    return Change(
        event=E.ESCALATE, facts={"escalated": found}, detail=f"escalated to the {given.to}: {mask_text(given.note)}"
    )


def advise_litigation(record: PartnerRecord | None, given: NoteInput, now: datetime, rules: TrafficRules) -> Change:
    record = _record(record)
    outcome = record.facts.get("outcome") or {}
    if record.status == S.TERMINATED and outcome.get("failure_code") is not None:
        code = guards.failure(int(outcome["failure_code"]), rules.failure_codes_version)
        if not code.litigation:
            raise InvalidRequest(
                f"failure_code: code {code.code} ({code.name}) advises no litigation; close the case instead; "
                "rule failure_code_advice",
                field="failure_code",
                rule="failure_code_advice",
            )
    return Change(
        event=E.ADVISE_LITIGATION, detail=f"litigation advised on the same data [P1] {mask_text(given.note)}".strip()
    )


def close(record: PartnerRecord | None, given: NoteInput, now: datetime, rules: Any) -> Change:
    """Closed; `closed_from` keeps the status before: the platform is not told (spec.py figures count it so)."""
    facts = {"closed_from": _record(record).status}
    return Change(event=E.CLOSE, facts=facts, detail=mask_text(given.note) or "closed")


def _record(record: PartnerRecord | None) -> PartnerRecord:
    if record is None:  # only an offer opens a traffic record; the core never calls these without one
        raise InvalidRequest("a traffic case is opened by the platform's offer, not by an action", rule="opens")
    return record


def _action(
    name: str, summary: str, model: type[Record], run: Any, *events: str, links_case: bool = False
) -> tuple[str, Action]:
    """`events`: the Machine events the action fires, when its name is not its one event (allowed_actions)."""
    return name, Action(name=name, summary=summary, input=model, run=run, events=events, links_case=links_case)


ACTIONS: dict[str, Action] = dict(
    [
        _action("accept", "accept the offer (3 working days, [P44 Art 12])", NoteInput, accept),
        _action("decline", "decline the offer, with the reason", DeclineInput, decline),
        _action(
            "offer_overdue", "mark the offer's answer overdue (late answers still count)", NoteInput, offer_overdue
        ),
        _action("start_mediation", "assign the mediator: mediation begins", StartMediationInput, start_mediation),
        _action(
            "request_appraisal", "ask for an appraisal; the mediation clock pauses", AppraisalInput, request_appraisal
        ),
        _action(
            "record_outcome",
            "agreement (items, shares, schedule) or failure code",
            OutcomeInput,
            record_outcome,
            E.AGREE,
            E.TERMINATE,
        ),
        _action("apply_jc", "judicial confirmation applied for (court flows)", ApplyJcInput, apply_jc, links_case=True),
        _action(
            "record_jc_result", "the court's JC ruling", JcResultInput, record_jc_result, E.JC_CONFIRM, E.JC_REJECT
        ),
        _action(
            "withdraw_jc", "the JC application withdrawn or not accepted", WithdrawJcInput, withdraw_jc, E.JC_WITHDRAW
        ),
        _action(
            "request_claim", "file the insurer claim on an enforceable basis (一键理赔)", ClaimInput, request_claim
        ),
        _action("escalate", "a refused or short-paid claim to the court or regulator", EscalateInput, escalate),
        _action("advise_litigation", "tell the parties to sue on the same data", NoteInput, advise_litigation),
        _action("close", "close the case", NoteInput, close),
    ]
)
