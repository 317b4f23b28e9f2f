"""The arbitration guard (partners.md §3 Guards, [P21][P26]), table-driven: each kind of refusal names its field and
rule, and the submit action then yields no Change (nothing stored, nothing sent); the fine cases pass and send."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from adapter.errors import InvalidRequest
from adapter.partners.arbitration.actions import SubmitInput, submit_application
from adapter.partners.arbitration.guard import RULES, check_application
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.arbitration.states import ArbEvent
from schemas.arbitration import ArbMessageType, MediationAgreement
from schemas.enums import Procedure
from tests.support.arb_samples import NOW, agreement, at, parsed, settlement

RULES_GZ = CommissionRules(commission_name="广州仲裁委员会")
WAIVER = {"party": "R1", "at": at(22), "text": "放弃答辩期"}

# (case, changes to the valid application, field, rule)
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("no agreement", {"arbitration_agreement": None}, "arbitration_agreement", "arbitration_agreement_missing"),
    (
        "no commission named",
        {"arbitration_agreement": agreement(commission="")},
        "arbitration_agreement.commission",
        "arbitration_agreement_incomplete",
    ),
    (
        "no matters named",
        {"arbitration_agreement": agreement(matters="  ")},
        "arbitration_agreement.matters",
        "arbitration_agreement_incomplete",
    ),
    (
        "another commission",
        {"arbitration_agreement": agreement(commission="深圳国际仲裁院")},
        "arbitration_agreement.commission",
        "arbitration_agreement_other_commission",
    ),
    (
        "dispute in the future",
        {"dispute_arose_at": NOW + timedelta(days=1)},
        "dispute_arose_at",
        "dispute_time_in_future",
    ),
    (
        "statement without settlement",
        {"mediation_agreement": None},
        "mediation_agreement",
        "mediation_agreement_missing",
    ),
    (
        "award on agreed terms without settlement",
        {"mediation_agreement": None, "requested_instrument": "award_on_agreed_terms"},
        "mediation_agreement",
        "mediation_agreement_missing",
    ),
    (
        "settlement a day before the dispute (先予仲裁)",
        {"mediation_agreement": settlement(concluded_at=at(-1), effective_at=at(30))},
        "mediation_agreement.concluded_at",
        "settlement_before_dispute",
    ),
    (
        "settlement in the loan contract, a year before",
        {"mediation_agreement": settlement(concluded_at=at(-365), effective_at=at(-365))},
        "mediation_agreement.concluded_at",
        "settlement_before_dispute",
    ),
    (
        "confirming agreement signed before the dispute",
        {"arbitration_agreement": agreement(signed_at=at(-30), confirms_settlement=True)},
        "arbitration_agreement.signed_at",
        "confirmation_before_dispute",
    ),
    (
        "confirming clause in the contract, before the dispute",
        {"arbitration_agreement": agreement(form="clause", signed_at=at(-200), confirms_settlement=True)},
        "arbitration_agreement.signed_at",
        "confirmation_before_dispute",
    ),
    (
        "settlement not yet effective",
        {"mediation_agreement": settlement(effective_at=None)},
        "mediation_agreement.effective_at",
        "mediation_agreement_not_effective",
    ),
    (
        "settlement effective only tomorrow",
        {"mediation_agreement": settlement(effective_at=(NOW + timedelta(days=1)).isoformat())},
        "mediation_agreement.effective_at",
        "mediation_agreement_not_effective",
    ),
    ("recusal waived", {"waivers": {"recusal": [WAIVER]}}, "waivers.recusal.0", "recusal_waived"),
    ("evidence waived", {"waivers": {"evidence": [WAIVER]}}, "waivers.evidence.0", "evidence_waived"),
    ("defence waived", {"waivers": {"defence": [WAIVER]}}, "waivers.defence.0", "defence_waived"),
    (
        "defence waived by a clause before the dispute",
        {"waivers": {"defence": [{"party": "R1", "at": at(-100)}]}},
        "waivers.defence.0",
        "defence_waived",
    ),
    (
        "second evidence waiver, time unknown",
        {"waivers": {"evidence": [{"party": "A1", "at": at(25)}, {"party": "R1"}]}},
        "waivers.evidence.0",
        "evidence_waived",
    ),
]

FINE: list[tuple[str, dict[str, Any]]] = [
    ("post-dispute separate agreement and settlement", {}),
    (
        "pre-dispute clause, ordinary proceedings (an award on the claims)",
        {
            "arbitration_agreement": agreement(form="clause", signed_at=at(-400), confirms_settlement=False),
            "mediation_agreement": None,
            "requested_instrument": "award",
        },
    ),
    (
        "pre-dispute clause founding jurisdiction, settlement after the dispute",
        {
            "arbitration_agreement": agreement(form="clause", signed_at=at(-400), confirms_settlement=False),
            "requested_instrument": "award_on_agreed_terms",
        },
    ),
    ("settlement on the day the dispute arose", {"mediation_agreement": settlement(concluded_at=at(0))}),
    ("settlement effective this very moment", {"mediation_agreement": settlement(effective_at=NOW.isoformat())}),
]


@pytest.mark.parametrize(("case", "changes", "field", "rule"), REFUSED, ids=[r[0] for r in REFUSED])
def test_each_refusal_names_its_field_and_rule_and_sends_nothing(
    case: str, changes: dict[str, Any], field: str, rule: str
) -> None:
    app = parsed(**changes)
    with pytest.raises(InvalidRequest) as refused:
        check_application(app, NOW, RULES_GZ)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert rule in RULES
    with pytest.raises(InvalidRequest) as again:  # the action refuses before building any Change or message
        submit_application(None, SubmitInput(application=app), NOW, RULES_GZ)
    assert again.value.rule == rule


def test_every_rule_is_exercised() -> None:
    assert {r[3] for r in REFUSED} == set(RULES)


@pytest.mark.parametrize(("case", "changes"), FINE, ids=[f[0] for f in FINE])
def test_fine_applications_pass_and_are_sent(case: str, changes: dict[str, Any]) -> None:
    app = parsed(**changes)
    check_application(app, NOW, RULES_GZ)
    change = submit_application(None, SubmitInput(application=app), NOW, RULES_GZ)
    assert change.event == ArbEvent.SUBMIT
    assert [o.type for o in change.outgoing] == [ArbMessageType.APPLICATION]
    assert change.facts["submitted_at"] and change.facts["application"]["procedure"] == Procedure.SIMPLE


def test_a_post_dispute_waiver_passes_only_with_the_commission_setting() -> None:
    app = parsed(waivers={"defence": [WAIVER]})
    check_application(app, NOW, RULES_GZ.model_copy(update={"allow_post_dispute_waivers": True}))
    before = parsed(waivers={"defence": [{**WAIVER, "at": at(-1)}]})
    with pytest.raises(InvalidRequest, match="defence"):
        check_application(before, NOW, RULES_GZ.model_copy(update={"allow_post_dispute_waivers": True}))


def test_no_commission_name_set_means_any_named_commission_passes() -> None:
    check_application(parsed(arbitration_agreement=agreement(commission="深圳国际仲裁院")), NOW, CommissionRules())


def test_the_procedure_follows_the_threshold_unless_chosen() -> None:
    big = parsed(claims=[{"text": "货款", "amount": "2000000.01"}])
    change = submit_application(None, SubmitInput(application=big), NOW, RULES_GZ)
    assert change.facts["application"]["procedure"] == Procedure.ORDINARY
    chosen = parsed(claims=[{"text": "货款", "amount": "2000000.01"}], procedure="simple")
    change = submit_application(None, SubmitInput(application=chosen), NOW, RULES_GZ)
    assert change.facts["application"]["procedure"] == Procedure.SIMPLE
    assert change.amount == "2000000.01" and change.case_id == "C-2026-0001"


def test_a_settlement_cannot_take_effect_before_it_was_concluded() -> None:
    body = settlement()
    early = {**body, "effective_at": at(-1, base=datetime.fromisoformat(body["concluded_at"]))}
    with pytest.raises(ValidationError, match="effective_at"):
        MediationAgreement.model_validate(early)
    assert MediationAgreement.model_validate({**body, "effective_at": body["concluded_at"]}).effective_at is not None
