"""What a commission's message does to an arbitration record (PartnerSpec.on_message): a pure Change, or
InvalidRequest naming the field and rule (the core quarantines the message with its bytes).

    arb.receipt            a note; the acceptance clock starts at `received_at` [P21 Art 24]
    arb.accepted           SUBMITTED → ACCEPTED: case number (partner_ref), fee notice
    arb.refused            SUBMITTED → REFUSED
    arb.tribunal_formed    FEE_PAID (or ACCEPTED: a party paid directly) → TRIBUNAL_FORMED
    arb.hearing            → IN_PROCEEDINGS; once the instrument is out, only noted
    arb.instrument_issued  award → EFFECTIVE (AWARD_ISSUED after a party repented); 调解书 → INSTRUMENT_ISSUED
    arb.service            per party: SERVING, and EFFECTIVE when the last party signed [P21 Arts 51–52]; an award's
                           service only noted (it starts the correction and set-aside windows)
    arb.party_repented     a party that has not signed backs out → REPENTED (an award follows) [P21 Art 52]
    arb.corrected          a note [P21 Art 56]
    arb.set_aside          filed → SET_ASIDE_PENDING; ruled → SET_ASIDE / UPHELD [P21 Arts 58–60]
    arb.withdrawn          → WITHDRAWN (e.g. deemed withdrawn: fee unpaid)
    arb.mediation_entrusted opens a record: → ENTRUSTED

Duplicates, deliberately: the same business answer under another message id (the core dedupes by id) is a
`duplicate` note changing nothing; the same kind of answer with different content (another case number, another
instrument number) is refused as `conflicting_answer`. Out of order: a message the status does not allow is refused
as `out_of_order` naming what is allowed — except those the table allows on purpose (states.py). Times that start a
clock are stored no later than the message's arrival, so a commission's clock running ahead shortens nothing.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from adapter.errors import InvalidRequest
from adapter.partners.arbitration.deadlines import statement_effective_at
from adapter.partners.arbitration.facts import ArbFacts, dump, read
from adapter.partners.arbitration.states import MACHINE, ArbEvent, ArbNote, ArbStatus
from adapter.partners.spec import Change, PartnerRecord
from schemas.arbitration import (
    BODIES,
    AcceptedBody,
    ArbMessageType,
    CorrectedBody,
    HearingBody,
    InstrumentIssuedBody,
    InstrumentKind,
    MediationEntrustedBody,
    PartyRepentedBody,
    ReceiptBody,
    RefusedBody,
    ServiceBody,
    SetAsideBody,
    SetAsideRuling,
    TribunalFormedBody,
    WithdrawnBody,
)
from schemas.partner import PartnerEnvelope

E, S, N, T = ArbEvent, ArbStatus, ArbNote, ArbMessageType
OUTBOUND_ONLY = frozenset({T.APPLICATION, T.FEE_PAID, T.MEDIATION_RESULT})


def on_message(record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
    """The Change `envelope` makes to `record` (None only for an entrustment, which opens one)."""
    if envelope.type in OUTBOUND_ONLY or envelope.type not in BODIES:
        message = f"{envelope.type!r} is not a message a commission sends"
        raise InvalidRequest(message, field="type", rule="unknown_type")
    try:
        body = BODIES[envelope.type].model_validate(envelope.body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("body", *error["loc"]))
        raise InvalidRequest(f"{where}: {error['msg']}", field=where, rule="body_invalid") from None
    if isinstance(body, MediationEntrustedBody):
        return _entrusted(record, body)
    if record is None:
        raise InvalidRequest(f"{envelope.type} names no record of ours", field="record_id", rule="record_required")
    facts, status = read(record.facts), ArbStatus(record.status)
    return HANDLERS[type(body)](facts, status, body, now)


def _event(status: ArbStatus, event: ArbEvent, what: str) -> ArbEvent:
    if (status, event) not in MACHINE.transitions:
        allowed = ", ".join(MACHINE.allowed(status)) or "nothing"
        raise InvalidRequest(f"{what} cannot apply in {status}; allowed: {allowed}", field="type", rule="out_of_order")
    return event


def _dup(what: str) -> Change:
    return Change(note=N.DUPLICATE, detail=f"{what} again: kept, nothing changed")


def _conflict(what: str, ours: object, theirs: object, field: str) -> InvalidRequest:
    return InvalidRequest(f"{what}: we hold {ours}, the message says {theirs}", field=field, rule="conflicting_answer")


def _receipt(f: ArbFacts, status: ArbStatus, b: ReceiptBody, arrived: datetime) -> Change:
    if f.received_at is not None:
        return _dup("the receipt")
    at = min(b.received_at, arrived)
    return Change(note=N.RECEIPT, facts=dump(received_at=at), detail="received by the commission")


def _accepted(f: ArbFacts, status: ArbStatus, b: AcceptedBody, arrived: datetime) -> Change:
    if f.case_no is not None:
        if f.case_no != b.case_no:
            raise _conflict("accepted under another case number", f.case_no, b.case_no, "body.case_no")
        return _dup("the acceptance")
    facts = dump(case_no=b.case_no, accepted_at=min(b.accepted_at, arrived), fee_notice=b.fee_notice)
    detail = f"accepted as {b.case_no}; fee ¥{b.fee_notice.amount:.2f}"
    event = _event(status, E.ACCEPT, "an acceptance")
    return Change(event=event, facts=facts, detail=detail, partner_ref=b.case_no, subject=b.case_no)


def _refused(f: ArbFacts, status: ArbStatus, b: RefusedBody, arrived: datetime) -> Change:
    if f.refused is not None:
        return _dup("the refusal")
    event = _event(status, E.REFUSE, "a refusal")
    return Change(event=event, facts=dump(refused=b), detail=f"refused: {b.reason.value}")


def _tribunal(f: ArbFacts, status: ArbStatus, b: TribunalFormedBody, arrived: datetime) -> Change:
    if f.tribunal_formed_at is not None:
        return _dup("the tribunal")
    how = " (appointed by the chairman)" if b.appointed_by_chairman else ""
    detail = f"tribunal of {len(b.arbitrators)} formed{how}"
    event = _event(status, E.FORM_TRIBUNAL, "a tribunal")
    return Change(event=event, facts=dump(tribunal_formed_at=min(b.formed_at, arrived)), detail=detail)


def _hearing(f: ArbFacts, status: ArbStatus, b: HearingBody, arrived: datetime) -> Change:
    if b.at in f.hearings:
        return _dup("the hearing")
    facts, detail = dump(hearings=(*f.hearings, b.at)), f"hearing ({b.mode})"
    if f.instrument is not None:  # reported late, after the instrument: history only
        return Change(note=N.HEARING, facts=facts, detail=detail)
    return Change(event=_event(status, E.HOLD_HEARING, "a hearing"), facts=facts, detail=detail)


def _instrument(f: ArbFacts, status: ArbStatus, b: InstrumentIssuedBody, arrived: datetime) -> Change:
    # The current instrument, or the 调解书 a party backed out of, announced again.
    held = next((i for i in (f.instrument, f.statement) if i is not None and i.number == b.number), None)
    if held is not None:
        if held.pdf.sha256 != b.pdf.sha256:
            raise _conflict(f"instrument {b.number} with another document", held.pdf.sha256, b.pdf.sha256, "body.pdf")
        return _dup(f"instrument {b.number}")
    detail = f"{b.kind.value} {b.number} issued"
    if b.kind is InstrumentKind.AWARD:  # binding the day it is made [P21 Art 57]
        event = _event(status, E.ISSUE_AWARD, "an award")
        return Change(event=event, facts=dump(instrument=b, effective_at=b.issued_at, served={}), detail=detail)
    event = _event(status, E.ISSUE_STATEMENT, "a 调解书")
    return Change(event=event, facts=dump(instrument=b, served={}), detail=detail)


def _party(f: ArbFacts, party: str) -> None:
    if party not in f.party_refs:
        raise InvalidRequest(f"party {party} is not a party to this record", field="body.party", rule="unknown_party")


def _service(f: ArbFacts, status: ArbStatus, b: ServiceBody, arrived: datetime) -> Change:
    _party(f, b.party)
    if f.instrument is None:
        raise InvalidRequest("service before any instrument was issued", field="type", rule="out_of_order")
    if b.party in f.served:
        return _dup(f"party {b.party}'s signature")
    statement = f.instrument.kind == InstrumentKind.MEDIATION_STATEMENT
    if statement and f.repented is not None and f.repented.party == b.party:
        raise InvalidRequest(f"party {b.party} backed out of the 调解书", field="body.party", rule="party_repented")
    served = {**f.served, b.party: min(b.signed_for_at, arrived)}
    detail = f"party {b.party} signed for {f.instrument.number}"
    if f.instrument.kind == InstrumentKind.AWARD:  # already binding: the signature only starts the parties' windows
        return Change(note=N.RECEIPT, facts=dump(served=served), detail=detail)
    effective = statement_effective_at(f.party_refs, served)
    if effective is None:
        return Change(event=_event(status, E.SERVE, "service"), facts=dump(served=served), detail=detail)
    event = _event(status, E.ALL_SIGNED, "the last signature")
    return Change(event=event, facts=dump(served=served, effective_at=effective), detail=f"{detail}: in effect")


def _repented(f: ArbFacts, status: ArbStatus, b: PartyRepentedBody, arrived: datetime) -> Change:
    _party(f, b.party)
    if f.repented is not None and f.repented.party == b.party:
        return _dup(f"party {b.party}'s backing out")
    if b.party in f.served:
        raise InvalidRequest(
            f"party {b.party} already signed for the 调解书", field="body.party", rule="already_signed"
        )
    event = _event(status, E.REPENT, "backing out")
    facts = dump(repented=b, statement=f.instrument)
    return Change(event=event, facts=facts, detail=f"party {b.party} backed out before signing: an award follows")


def _corrected(f: ArbFacts, status: ArbStatus, b: CorrectedBody, arrived: datetime) -> Change:
    if b in f.corrections:
        return _dup("the correction")
    if status not in (S.EFFECTIVE, S.AWARD_ISSUED, S.SET_ASIDE_PENDING, S.UPHELD):
        raise InvalidRequest(f"a correction cannot apply in {status}", field="type", rule="out_of_order")
    return Change(note=N.CORRECTED, facts=dump(corrections=(*f.corrections, b)), detail=f"{b.number} corrected")


def _set_aside(f: ArbFacts, status: ArbStatus, b: SetAsideBody, arrived: datetime) -> Change:
    if f.set_aside == b or (f.set_aside is not None and b.ruling is None):
        return _dup("the set-aside filing")
    if b.ruling is None:
        event, detail = _event(status, E.FILE_SET_ASIDE, "a set-aside filing"), "set-aside filed"
    else:
        wanted = E.RULE_SET_ASIDE if b.ruling is SetAsideRuling.SET_ASIDE else E.DISMISS_SET_ASIDE
        event, detail = _event(status, wanted, "a set-aside ruling"), f"set-aside ruled: {b.ruling.value}"
    return Change(event=event, facts=dump(set_aside=b), detail=detail)


def _withdrawn(f: ArbFacts, status: ArbStatus, b: WithdrawnBody, arrived: datetime) -> Change:
    if status is S.WITHDRAWN:
        return _dup("the withdrawal")
    event = _event(status, E.WITHDRAW, "a withdrawal")
    return Change(
        event=event,
        facts=dump(withdrawn=b, withdrawn_by="commission"),
        detail=f"withdrawn by the commission ({b.reason.value})",
    )


def _entrusted(record: PartnerRecord | None, b: MediationEntrustedBody) -> Change:
    if record is not None:
        held = read(record.facts).entrusted
        if held is not None and held.case_no == b.case_no:
            return _dup("the entrustment")
        raise InvalidRequest("an entrustment opens a record; this one is held", field="record_id", rule="record_exists")
    detail = f"mediation of {b.case_no} entrusted to the centre ({len(b.parties)} parties)"
    facts = dump(entrusted=b)
    return Change(event=E.ENTRUST, facts=facts, detail=detail, partner_ref=b.case_no, subject=b.case_no)


HANDLERS: dict[type, Callable[[ArbFacts, ArbStatus, Any, datetime], Change]] = {
    ReceiptBody: _receipt,
    AcceptedBody: _accepted,
    RefusedBody: _refused,
    TribunalFormedBody: _tribunal,
    HearingBody: _hearing,
    InstrumentIssuedBody: _instrument,
    ServiceBody: _service,
    PartyRepentedBody: _repented,
    CorrectedBody: _corrected,
    SetAsideBody: _set_aside,
    WithdrawnBody: _withdrawn,
}
