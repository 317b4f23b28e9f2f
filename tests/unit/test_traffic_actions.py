"""The centre's traffic actions (adapter/partners/traffic/actions.py): what each does, and each guard refusing with
InvalidRequest naming the field and the rule — nothing to store, nothing to send."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from adapter.errors import InvalidRequest
from adapter.partners.spec import Change
from adapter.partners.traffic.actions import ACTIONS
from adapter.partners.traffic.rules import TrafficRules
from schemas.traffic import ClaimRequest, OfferAnswer, Outcome
from tests.support.traffic_records import record
from tests.support.traffic_samples import INSURER_A, INSURER_B, OFFERED_AT

JC_RULING = "（2026）粤0104民特123号"
JUDGMENT = "（2026）粤0104民初456号"
CONFIRMED = {"jc": {"confirmed": True, "ruling_no": JC_RULING}}
PAYEE = {"name": "王五", "account": "6222020200112233445", "bank": "某银行广州分行"}


def run(name: str, status: str, given: dict[str, Any], **facts: Any) -> Change:
    action = ACTIONS[name]
    return action.run(record(status, **facts), action.input.model_validate(given), OFFERED_AT, TrafficRules())


def claim(**changes: Any) -> dict[str, Any]:
    return {
        "basis": "agreement_jc",
        "basis_ref": JC_RULING,
        "insurer_uscc": INSURER_A,
        "policy_no": "JQ-A-001",
        "payee": PAYEE,
        "amount": "128000.00",
        **changes,
    }


def test_accept_answers_the_offer_correlated_to_it() -> None:
    change = run("accept", "OFFERED", {})
    assert change.event == "accept"
    (reply,) = change.outgoing
    assert reply.type == "traffic.offer_answer" and reply.correlates_to == "OFFER-1"
    assert isinstance(reply.body, OfferAnswer) and reply.body.accepted


def test_decline_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason"):
        ACTIONS["decline"].input.model_validate({"reason": ""})
    change = run("decline", "OFFERED", {"reason": "不属于本中心受理范围，联系电话13812345678"})
    assert change.event == "decline" and "13812345678" not in change.detail


def test_an_agreement_defaults_to_the_figures_under_the_certificate_in_force() -> None:
    change = run("record_outcome", "MEDIATING", {"result": "agreement"})
    (out,) = change.outgoing
    assert isinstance(out.body, Outcome) and change.event == "agree"
    assert out.body.total == Decimal("256000.00") == sum(s.amount for s in out.body.shares)
    assert change.amount == "256000.00"


def test_a_handwritten_agreement_tells_each_insurer_its_share() -> None:
    items = [
        {"head": "01", "amount": "50000.00", "payer_ref": "I1", "policy_no": "JQ-A-001"},
        {"head": "07", "amount": "30000.00", "payer_ref": "I1", "policy_no": "JQ-A-001"},
        {"head": "07", "amount": "20000.00", "payer_ref": "I2", "policy_no": "SZ-B-001"},
        {"head": "12", "amount": "1500.00", "payer_ref": "P2"},
    ]
    change = run("record_outcome", "MEDIATING", {"result": "agreement", "items": items})
    (out,) = change.outgoing
    assert isinstance(out.body, Outcome) and out.body.total == Decimal("101500.00")
    assert [(s.policy_no, f"{s.amount:.2f}") for s in out.body.shares] == [
        ("JQ-A-001", "80000.00"),
        ("SZ-B-001", "20000.00"),
    ]


def test_a_failure_takes_the_tables_advice() -> None:
    change = run("record_outcome", "MEDIATING", {"result": "failure", "failure_code": 4})
    assert change.event == "terminate" and change.facts["outcome"]["advice"].startswith("赔偿数额未能达成一致")


def test_a_claim_seals_the_payee_account_and_masks_it_in_the_history() -> None:
    change = run("request_claim", "JC_CONFIRMED", claim(), **CONFIRMED)
    (out,) = change.outgoing
    assert isinstance(out.body, ClaimRequest) and out.body.claim_id == "TR-1-C1"
    assert change.facts["claims"]["TR-1-C1"]["request"]["payee"]["account"] == PAYEE["account"]
    assert PAYEE["account"] not in change.detail and "****3445" in change.detail


REFUSALS = {
    # (action, status, input, facts, field, rule)
    "appraisal_of_a_stranger": (
        "request_appraisal",
        "MEDIATING",
        {"matters": "伤残等级", "party_ref": "P9"},
        {},
        "party_ref",
        "party_ref",
    ),
    "failure_without_code": ("record_outcome", "MEDIATING", {"result": "failure"}, {}, "failure_code", "required"),
    "failure_code_outside_the_table": (
        "record_outcome",
        "MEDIATING",
        {"result": "failure", "failure_code": 9},
        {},
        "failure_code",
        "unknown_failure_code",
    ),
    "agreement_item_unknown_head": (
        "record_outcome",
        "MEDIATING",
        {"result": "agreement", "items": [{"head": "99", "amount": "1.00", "payer_ref": "P2"}]},
        {},
        "items[0].head",
        "unknown_head",
    ),
    "agreement_item_foreign_policy": (
        "record_outcome",
        "MEDIATING",
        {"result": "agreement", "items": [{"head": "01", "amount": "1.00", "payer_ref": "I1", "policy_no": "X-1"}]},
        {},
        "items[0].policy_no",
        "policy_of_case",
    ),
    "agreement_item_unknown_payer": (
        "record_outcome",
        "MEDIATING",
        {"result": "agreement", "items": [{"head": "01", "amount": "1.00", "payer_ref": "P9"}]},
        {},
        "items[0].payer_ref",
        "party_ref",
    ),
    "claim_on_the_agreement_alone": ("request_claim", "AGREEMENT_EFFECTIVE", claim(), {}, "basis", "enforceable_basis"),
    "claim_on_a_judgment_after_jc": (
        "request_claim",
        "JC_CONFIRMED",
        claim(basis="judgment", basis_ref=JUDGMENT),
        CONFIRMED,
        "basis",
        "enforceable_basis",
    ),
    "claim_on_jc_never_confirmed": ("request_claim", "ESCALATED", claim(), {}, "basis", "enforceable_basis"),
    "claim_on_another_ruling": (
        "request_claim",
        "JC_CONFIRMED",
        claim(basis_ref="（2026）粤0104民特999号"),
        CONFIRMED,
        "basis_ref",
        "basis_ref",
    ),
    "claim_basis_ref_no_case_number": (
        "request_claim",
        "LITIGATION_ADVISED",
        claim(basis="judgment", basis_ref="judgment 1"),
        {},
        "basis_ref",
        "case_number",
    ),
    "claim_insurer_uscc_bad_check": (
        "request_claim",
        "JC_CONFIRMED",
        claim(insurer_uscc="91310000MA1FL0000X"),
        CONFIRMED,
        "insurer_uscc",
        "uscc",
    ),
    "claim_policy_of_another_insurer": (
        "request_claim",
        "JC_CONFIRMED",
        claim(insurer_uscc=INSURER_B),
        CONFIRMED,
        "policy_no",
        "policy_of_case",
    ),
    "claim_policy_not_of_the_case": (
        "request_claim",
        "JC_CONFIRMED",
        claim(policy_no="JQ-Z-999"),
        CONFIRMED,
        "policy_no",
        "policy_of_case",
    ),
    "claim_of_nothing": ("request_claim", "JC_CONFIRMED", claim(amount="0.00"), CONFIRMED, "amount", "amount_positive"),
    "claim_beyond_the_limit": (
        "request_claim",
        "JC_CONFIRMED",
        claim(amount="200000.01"),
        CONFIRMED,
        "amount",
        "policy_limit",
    ),
    "litigation_after_a_withdrawal": (
        "advise_litigation",
        "TERMINATED",
        {},
        {"outcome": {"result": "failure", "failure_code": 8}},
        "failure_code",
        "failure_code_advice",
    ),
}


@pytest.mark.parametrize(("name", "status", "given", "facts", "field", "rule"), REFUSALS.values(), ids=REFUSALS)
def test_each_guard_refuses_naming_field_and_rule(
    name: str, status: str, given: dict[str, Any], facts: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        run(name, status, given, **facts)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert field in str(caught.value) and rule in str(caught.value)


@pytest.mark.parametrize(
    ("status", "basis", "basis_ref", "facts"),
    [
        ("AGREEMENT_EFFECTIVE", "mediation_statement", "（2026）粤0104民初789号", {}),
        ("JC_CONFIRMED", "agreement_jc", JC_RULING, CONFIRMED),
        ("LITIGATION_ADVISED", "judgment", JUDGMENT, {}),
        ("ESCALATED", "judgment", JUDGMENT, {}),
        ("PAID", "agreement_jc", JC_RULING, CONFIRMED),
    ],
)
def test_each_enforceable_basis_is_accepted_where_it_can_exist(
    status: str, basis: str, basis_ref: str, facts: dict[str, Any]
) -> None:
    change = run(
        "request_claim",
        status,
        claim(basis=basis, basis_ref=basis_ref, insurer_uscc=INSURER_B, policy_no="SZ-B-001"),
        **facts,
    )
    assert change.event == "request_claim"


def test_a_second_claim_gets_the_next_id_and_keeps_the_first() -> None:
    first = run("request_claim", "JC_CONFIRMED", claim(), **CONFIRMED)
    second = run(
        "request_claim",
        "CLAIM_REQUESTED",
        claim(insurer_uscc=INSURER_B, policy_no="JQ-B-001"),
        **CONFIRMED,
        **first.facts,
    )
    assert list(second.facts["claims"]) == ["TR-1-C1", "TR-1-C2"]


def test_claims_on_one_policy_stay_within_its_limit_together_unless_refused() -> None:
    """JQ-A-001's limit is 200,000: 128,000 claimed, another 72,000.01 on it is refused naming what is claimed; once
    the first was refused its amount no longer counts."""
    first = run("request_claim", "JC_CONFIRMED", claim(), **CONFIRMED)
    with pytest.raises(InvalidRequest) as caught:
        run("request_claim", "CLAIM_REQUESTED", claim(amount="72000.01"), **CONFIRMED, **first.facts)
    assert (caught.value.field, caught.value.rule) == ("amount", "policy_limit")
    assert "128000.00 yuan already claimed" in str(caught.value)
    assert run("request_claim", "CLAIM_REQUESTED", claim(amount="72000.00"), **CONFIRMED, **first.facts).event
    refused = {"claims": {"TR-1-C1": {**first.facts["claims"]["TR-1-C1"], "status": "refused"}}}
    assert run("request_claim", "ESCALATED", claim(amount="200000.00"), **CONFIRMED, **refused).event


def test_every_action_is_listed_with_its_input_model() -> None:
    assert set(ACTIONS) == {
        "accept",
        "decline",
        "offer_overdue",
        "start_mediation",
        "request_appraisal",
        "record_outcome",
        "apply_jc",
        "record_jc_result",
        "withdraw_jc",
        "request_claim",
        "escalate",
        "advise_litigation",
        "close",
    }
    assert all(not action.opens for action in ACTIONS.values())
