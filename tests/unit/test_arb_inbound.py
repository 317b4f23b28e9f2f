"""Arbitration inbound messages, actions and reconciliation, pure (partners.md §3): whole paths applied as the core
would apply them (tests/support/arb_samples.apply), service per party, a party backing out, duplicates and
out-of-order messages refused or noted deliberately, the reverse entrustment, partner_status and repair."""

from datetime import timedelta
from typing import Any

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.arbitration.actions import ACTIONS
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.arbitration.spec import ARBITRATION
from adapter.partners.arbitration.states import ArbNote
from adapter.partners.spec import PartnerRecord
from adapter.partners.specs import spec_for
from schemas.arbitration import ArbMessageType
from tests.support.arb_samples import DISPUTE, NOW, application, apply, at, digest, envelope, settlement

RULES = CommissionRules(commission_name="广州仲裁委员会")
T = ArbMessageType
LATER = DISPUTE + timedelta(days=365)  # "now" for whole paths: every message's time has passed
STATEMENT = {"kind": "mediation_statement", "number": "(2026)穗仲调字第7号", "issued_at": at(70), "pdf": digest(7)}
AWARD = {"kind": "award", "number": "(2026)穗仲案字第8号", "issued_at": at(90), "pdf": digest(8)}


def act(record: PartnerRecord | None, name: str, data: dict[str, Any], now: Any = LATER) -> PartnerRecord:
    action = ACTIONS[name]
    return apply(record, action.run(record, action.input.model_validate(data), now, RULES))


def receive(record: PartnerRecord | None, type: str, body: dict[str, Any], now: Any = LATER) -> PartnerRecord:
    return apply(record, ARBITRATION.on_message(record, envelope(type, body), now, RULES))


def refused(record: PartnerRecord | None, type: str, body: dict[str, Any]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        ARBITRATION.on_message(record, envelope(type, body), LATER, RULES)
    return caught.value


def to_tribunal() -> PartnerRecord:
    r = act(None, "submit_application", {"application": application()})
    r = receive(r, T.RECEIPT, {"received_at": at(60)})
    r = receive(
        r, T.ACCEPTED, {"case_no": "(2026)穗仲案字第1号", "accepted_at": at(61), "fee_notice": {"amount": "4560"}}
    )
    r = act(r, "pay_fee", {})
    return receive(r, T.TRIBUNAL_FORMED, {"formed_at": at(63), "arbitrators": ["陈某"]})


def test_a_mediation_statement_takes_effect_with_the_last_signature_then_set_aside_is_dismissed() -> None:
    r = to_tribunal()
    assert (r.status, r.partner_ref, r.subject) == ("TRIBUNAL_FORMED", "(2026)穗仲案字第1号", "(2026)穗仲案字第1号")
    r = receive(r, T.HEARING, {"at": at(65), "mode": "online"})
    r = receive(r, T.INSTRUMENT_ISSUED, STATEMENT)
    assert r.status == "INSTRUMENT_ISSUED"
    r = receive(r, T.SERVICE, {"party": "A1", "signed_for_at": at(71)})
    assert r.status == "SERVING" and r.facts.get("effective_at") is None
    again = ARBITRATION.on_message(r, envelope(T.SERVICE, {"party": "A1", "signed_for_at": at(71)}), NOW, RULES)
    assert (again.event, again.note) == (None, ArbNote.DUPLICATE)
    r = receive(r, T.SERVICE, {"party": "R1", "signed_for_at": at(73)})
    assert r.status == "EFFECTIVE" and r.facts["effective_at"] == at(73)
    r = receive(r, T.CORRECTED, {"corrected_at": at(80), "number": STATEMENT["number"], "text": "笔误"})
    assert r.status == "EFFECTIVE" and len(r.facts["corrections"]) == 1
    r = receive(r, T.SET_ASIDE, {"filed_at": at(200)})
    assert r.status == "SET_ASIDE_PENDING"
    r = receive(r, T.SET_ASIDE, {"filed_at": at(200), "ruling": "dismissed", "ruled_at": at(240)})
    assert r.status == "UPHELD"
    r = act(r, "close", {})
    assert r.status == "CLOSED" and ARBITRATION.partner_status(r) == "effective"


def test_an_effective_mediation_statement_closes_at_once_an_award_only_after_its_set_aside_window() -> None:
    """Set-aside is a remedy against an award (Arts 58–59): a 调解书 signed by all has no window to wait out."""
    r = receive(to_tribunal(), T.INSTRUMENT_ISSUED, STATEMENT)
    r = receive(r, T.SERVICE, {"party": "A1", "signed_for_at": at(71)})
    r = receive(r, T.SERVICE, {"party": "R1", "signed_for_at": at(73)})
    soon = DISPUTE + timedelta(days=74)
    assert r.status == "EFFECTIVE" and act(r, "close", {}, now=soon).status == "CLOSED"
    award = receive(to_tribunal(), T.INSTRUMENT_ISSUED, AWARD)
    with pytest.raises(InvalidRequest) as early:
        act(award, "close", {}, now=DISPUTE + timedelta(days=91))
    assert early.value.rule == "set_aside_window_open"


def test_both_parties_backing_out_is_one_repentance_and_a_note() -> None:
    """The second party to back out of the same 调解书 changes nothing (the award follows anyway) — it is noted,
    not refused as out of order (which would quarantine a true message)."""
    r = receive(to_tribunal(), T.INSTRUMENT_ISSUED, STATEMENT)
    r = receive(r, T.PARTY_REPENTED, {"party": "A1", "at": at(72)})
    second = ARBITRATION.on_message(r, envelope(T.PARTY_REPENTED, {"party": "R1", "at": at(73)}), LATER, RULES)
    assert (second.event, second.note) == (None, ArbNote.ALSO_REPENTED) and r.status == "REPENTED"
    r = receive(r, T.INSTRUMENT_ISSUED, AWARD)
    late = ARBITRATION.on_message(r, envelope(T.PARTY_REPENTED, {"party": "R1", "at": at(73)}), LATER, RULES)
    assert (r.status, late.event, late.note) == ("AWARD_ISSUED", None, ArbNote.ALSO_REPENTED)


def test_a_party_backing_out_before_signing_leads_to_an_award() -> None:
    r = receive(to_tribunal(), T.INSTRUMENT_ISSUED, STATEMENT)
    r = receive(r, T.SERVICE, {"party": "A1", "signed_for_at": at(71)})
    assert refused(r, T.PARTY_REPENTED, {"party": "A1", "at": at(72)}).rule == "already_signed"
    r = receive(r, T.PARTY_REPENTED, {"party": "R1", "at": at(72)})
    assert r.status == "REPENTED" and r.facts["statement"]["number"] == STATEMENT["number"]
    assert refused(r, T.SERVICE, {"party": "R1", "signed_for_at": at(73)}).rule == "party_repented"
    r = receive(r, T.INSTRUMENT_ISSUED, AWARD)
    assert r.status == "AWARD_ISSUED" and r.facts["effective_at"] == AWARD["issued_at"] and r.facts["served"] == {}
    late = ARBITRATION.on_message(r, envelope(T.INSTRUMENT_ISSUED, STATEMENT), LATER, RULES)  # the old 调解书 again
    assert (late.event, late.note) == (None, ArbNote.DUPLICATE)
    assert refused(r, T.INSTRUMENT_ISSUED, {**AWARD, "pdf": digest(99)}).rule == "conflicting_answer"
    r = receive(r, T.SERVICE, {"party": "R1", "signed_for_at": at(92)})  # the award's service: noted, clocks start
    assert r.status == "AWARD_ISSUED" and r.facts["served"] == {"R1": at(92)}
    r = receive(r, T.SET_ASIDE, {"filed_at": at(230), "ruling": "set_aside", "ruled_at": at(280)})  # filing unreported
    assert r.status == "SET_ASIDE" and ARBITRATION.partner_status(r) == "set_aside"


def test_refusal_fee_unpaid_and_our_withdrawal() -> None:
    r = act(None, "submit_application", {"application": application()})
    gone = receive(r, T.REFUSED, {"reason": "pre_dispute_confirmation", "refused_at": at(62)})
    assert gone.status == "REFUSED"
    dup = ARBITRATION.on_message(
        gone, envelope(T.REFUSED, {"reason": "no_agreement", "refused_at": at(62)}), NOW, RULES
    )
    assert dup.note == ArbNote.DUPLICATE
    r = receive(r, T.ACCEPTED, {"case_no": "C1", "accepted_at": at(61), "fee_notice": {"amount": "4560"}})
    unpaid = receive(r, T.WITHDRAWN, {"withdrawn_at": at(70), "reason": "fee_unpaid"})
    assert (unpaid.status, unpaid.facts["withdrawn_by"]) == ("WITHDRAWN", "commission")
    assert ARBITRATION.repair(unpaid, "accepted", NOW) == ()
    ours = act(r, "withdraw", {"reason": "settled"})
    change = ACTIONS["withdraw"].run(r, ACTIONS["withdraw"].input.model_validate({"reason": "settled"}), NOW, RULES)
    assert [o.type for o in change.outgoing] == [T.WITHDRAWN]
    assert [o.type for o in ARBITRATION.repair(ours, "accepted", NOW)] == [T.WITHDRAWN]


@pytest.mark.parametrize(
    ("type", "body", "field", "rule"),
    [
        (T.TRIBUNAL_FORMED, {"formed_at": at(63), "arbitrators": ["陈某"]}, "type", "out_of_order"),
        (T.SERVICE, {"party": "A1", "signed_for_at": at(71)}, "type", "out_of_order"),
        (T.SERVICE, {"party": "Z9", "signed_for_at": at(71)}, "body.party", "unknown_party"),
        (
            T.ACCEPTED,
            {"case_no": "OTHER", "accepted_at": at(61), "fee_notice": {"amount": "1"}},
            "body.case_no",
            "conflicting_answer",
        ),
        (
            T.ACCEPTED,
            {"case_no": "C1", "accepted_at": 20260601, "fee_notice": {"amount": "1"}},
            "body.accepted_at",
            "body_invalid",
        ),
        (T.APPLICATION, {}, "type", "unknown_type"),
        ("arb.nonsense", {}, "type", "unknown_type"),
        (T.SET_ASIDE, {"filed_at": at(200), "ruling": "set_aside"}, "body", "body_invalid"),
    ],
)
def test_messages_that_cannot_apply_are_refused_naming_field_and_rule(
    type: str, body: dict[str, Any], field: str, rule: str
) -> None:
    r = act(None, "submit_application", {"application": application()})
    if rule in ("conflicting_answer",):
        r = receive(r, T.ACCEPTED, {"case_no": "C1", "accepted_at": at(61), "fee_notice": {"amount": "4560"}})
    if rule == "unknown_party":
        r = receive(to_tribunal(), T.INSTRUMENT_ISSUED, STATEMENT)
    error = refused(r, type, body)
    assert (error.field, error.rule) == (field, rule)


def test_a_commission_clock_ahead_shortens_nothing_and_a_message_without_record_is_refused() -> None:
    r = act(None, "submit_application", {"application": application()}, now=NOW)
    r = receive(r, T.RECEIPT, {"received_at": (NOW + timedelta(hours=3)).isoformat()}, now=NOW)
    assert r.facts["received_at"] == NOW.isoformat()
    assert refused(None, T.RECEIPT, {"received_at": at(60)}).rule == "record_required"


def test_entrusted_mediation_opens_a_record_and_is_answered_with_its_result() -> None:
    body = {
        "case_no": "(2026)穗仲案字第99号",
        "entrusted_at": at(50),
        "parties": application()["parties"],
        "claims": [{"text": "货款", "amount": "80000"}],
        "due": at(80),
    }
    r = receive(None, T.MEDIATION_ENTRUSTED, body)
    assert (r.status, r.partner_ref, ARBITRATION.partner_status(r)) == ("ENTRUSTED", body["case_no"], "entrusted")
    assert ARBITRATION.on_message(r, envelope(T.MEDIATION_ENTRUSTED, body), NOW, RULES).note == ArbNote.DUPLICATE
    r = act(r, "start_mediation", {})
    with pytest.raises(InvalidRequest) as no_agreement:
        act(r, "send_mediation_result", {"outcome": "settled"})
    assert no_agreement.value.rule == "agreement_iff_settled"
    pending = settlement(effective_at=(LATER + timedelta(days=2)).isoformat())
    with pytest.raises(InvalidRequest, match="not yet effective"):
        act(r, "send_mediation_result", {"outcome": "settled", "agreement": pending})
    with pytest.raises(InvalidRequest) as not_withdrawn:
        act(r, "withdraw", {"reason": "settled"})
    assert not_withdrawn.value.rule == "entrustment_ended_by_result"
    done = act(r, "send_mediation_result", {"outcome": "settled", "agreement": settlement()})
    assert done.status == "RESULT_SENT" and ARBITRATION.partner_status(done) == "result_received"
    assert [o.type for o in ARBITRATION.repair(done, "entrusted", NOW)] == [T.MEDIATION_RESULT]


def test_reconciliation_resends_a_lost_application_and_a_lost_fee_payment() -> None:
    r = act(None, "submit_application", {"application": application()})
    assert ARBITRATION.partner_status(r) == "received"
    for theirs in (None, "unknown"):
        (resent,) = ARBITRATION.repair(r, theirs, NOW)
        assert resent.type == T.APPLICATION and resent.body.model_dump()["submitted_at"] == LATER
    assert ARBITRATION.repair(r, "received", NOW) == ()
    r = receive(r, T.ACCEPTED, {"case_no": "C1", "accepted_at": at(61), "fee_notice": {"amount": "4560"}})
    r = act(r, "pay_fee", {"amount": "4600", "reference": "BANK-1"})
    (fee,) = ARBITRATION.repair(r, "accepted", NOW)
    assert fee.type == T.FEE_PAID and str(fee.body.model_dump()["amount"]) == "4600.00"
    assert spec_for("arbitration") is ARBITRATION and ARBITRATION.body_model(T.SERVICE).__name__ == "ServiceBody"
    with pytest.raises(KeyError, match="known"):
        ARBITRATION.body_model("arb.nonsense")


def test_fee_below_the_notice_and_closing_inside_the_set_aside_window_are_refused() -> None:
    r = act(None, "submit_application", {"application": application()})
    r = receive(r, T.ACCEPTED, {"case_no": "C1", "accepted_at": at(61), "fee_notice": {"amount": "4560"}})
    with pytest.raises(InvalidRequest) as low:
        act(r, "pay_fee", {"amount": "4559.99"})
    assert (low.value.field, low.value.rule) == ("amount", "fee_below_notice")
    r = receive(act(r, "pay_fee", {}), T.TRIBUNAL_FORMED, {"formed_at": at(63), "arbitrators": ["陈某"]})
    r = receive(r, T.INSTRUMENT_ISSUED, {**AWARD, "issued_at": at(64)})
    assert r.status == "EFFECTIVE"
    with pytest.raises(InvalidRequest) as early:
        act(r, "close", {}, now=NOW + timedelta(days=150))
    assert early.value.rule == "set_aside_window_open"
    assert act(r, "close", {}, now=NOW + timedelta(days=200)).status == "CLOSED"
