"""The claim figures recalculated under a certificate (adapter/partners/traffic/claims.py), table-driven: 交强险
first in proportion to the limits, the rest by liability (main 70 / secondary 30 / equal 50 by default), 商业三者险
up to its limit, the party beyond it; ROUND_HALF_UP to the fen with the parts adding up to the whole; a claimant at
fault bears its own share; a replaced certificate changes the shares."""

from decimal import Decimal

import pytest

from adapter.partners.traffic.claims import Figures, recalculate, split
from adapter.partners.traffic.rules import TrafficRules
from reference.traffic_codes import TrafficCodeError
from schemas.traffic import CaseOffered, Certificate
from tests.support.traffic_samples import certificate_data, offer_data

MAIN_SECONDARY = {"P1": "none", "P2": "main", "P3": "secondary"}


def figures(claimed: str, levels: dict[str, str], rules: TrafficRules | None = None) -> Figures:
    offer = CaseOffered.model_validate(offer_data(claims=[{"head": "07", "amount": claimed}]))
    certificate = Certificate.model_validate(certificate_data("粤公交认字〔2026〕第0002号", **levels))
    return recalculate(offer.claims, certificate, offer.parties, offer.policies, rules or TrafficRules())


def paid(found: Figures) -> dict[str, str]:
    """payer → yuan: a policy by its number, a party by its ref."""
    return {(p.policy.policy_no if p.policy else p.payer_ref): f"{p.amount:.2f}" for p in found.payers}


ROWS = {
    "within_the_compulsory_limits": (
        "100000.00",
        MAIN_SECONDARY,
        {"JQ-A-001": "50000.00", "JQ-B-001": "50000.00"},
        "0.00",
    ),
    "rest_by_liability_within_commercial_limits": (
        "600000.00",
        MAIN_SECONDARY,
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-A-001": "140000.00", "SZ-B-001": "60000.00"},
        "0.00",
    ),
    "beyond_the_commercial_limits_the_party_pays": (
        "2400000.00",
        MAIN_SECONDARY,
        {
            "JQ-A-001": "200000.00",
            "JQ-B-001": "200000.00",
            "SZ-A-001": "1000000.00",
            "P2": "400000.00",
            "SZ-B-001": "500000.00",
            "P3": "100000.00",
        },
        "0.00",
    ),
    "review_made_it_equal": (
        "600000.00",
        {"P1": "none", "P2": "equal", "P3": "equal"},
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-A-001": "100000.00", "SZ-B-001": "100000.00"},
        "0.00",
    ),
    "review_made_p3_fully_liable": (
        "600000.00",
        {"P1": "none", "P2": "none", "P3": "full"},
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-B-001": "200000.00"},
        "0.00",
    ),
    # 100.01 × 0.7 = 70.007 → 70.01; the last takes the rest, 30.00.
    "rounding_to_the_fen_adds_up": (
        "400100.01",
        MAIN_SECONDARY,
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-A-001": "70.01", "SZ-B-001": "30.00"},
        "0.00",
    ),
    # 0.05 halved: 0.025 → 0.03 half up (half-even would give 0.02), the last 0.02.
    "half_up_not_half_even": (
        "400000.05",
        {"P1": "none", "P2": "equal", "P3": "equal"},
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-A-001": "0.03", "SZ-B-001": "0.02"},
        "0.00",
    ),
    # The claimant (P1) secondary, P2 main: P1 bears 30 % of the rest itself.
    "claimant_at_fault_bears_its_share": (
        "500000.00",
        {"P1": "secondary", "P2": "main", "P3": "none"},
        {"JQ-A-001": "200000.00", "JQ-B-001": "200000.00", "SZ-A-001": "70000.00"},
        "30000.00",
    ),
}


@pytest.mark.parametrize(("claimed", "levels", "expected", "borne"), ROWS.values(), ids=ROWS)
def test_recalculation(claimed: str, levels: dict[str, str], expected: dict[str, str], borne: str) -> None:
    found = figures(claimed, levels)
    assert paid(found) == expected
    assert found.borne == Decimal(borne)
    assert sum(p.amount for p in found.payers) + found.borne == found.total == Decimal(claimed)
    # The items by head and payer add up to what each payer pays, and the insurers' shares list each policy.
    assert sum(i.amount for i in found.items) == found.total - found.borne
    assert {s.policy_no: f"{s.amount:.2f}" for s in found.shares} == {k: v for k, v in expected.items() if "-" in k}
    for number, policy in {"JQ-A-001": "I1", "SZ-A-001": "I1", "JQ-B-001": "I2", "SZ-B-001": "I2"}.items():
        booked = [i for i in found.items if i.policy_no == number]
        assert all(i.payer_ref == policy for i in booked)
        assert sum(i.amount for i in booked) == Decimal(expected.get(number, "0"))


def test_the_liability_share_table_is_a_setting() -> None:
    """Main 80 / secondary 20: the rest of 200,000 splits 160,000 / 40,000."""
    shares = {**TrafficRules().liability_shares, "main": Decimal("0.80"), "secondary": Decimal("0.20")}
    found = figures("600000.00", MAIN_SECONDARY, TrafficRules.model_validate({"liability_shares": shares}))
    assert paid(found)["SZ-A-001"] == "160000.00" and paid(found)["SZ-B-001"] == "40000.00"


def test_items_fill_the_heads_in_table_order() -> None:
    offer = CaseOffered.model_validate(offer_data())  # 01 52,000; 02 18,000; 03 6,000; 07 180,000 — all compulsory
    found = recalculate(offer.claims, offer.accident, offer.parties, offer.policies, TrafficRules())
    assert [(i.head, f"{i.amount:.2f}", i.policy_no) for i in found.items] == [
        ("01", "52000.00", "JQ-A-001"),
        ("02", "18000.00", "JQ-A-001"),
        ("03", "6000.00", "JQ-A-001"),
        ("07", "52000.00", "JQ-A-001"),
        ("07", "128000.00", "JQ-B-001"),
    ]


def test_a_certificate_without_levels_shares_equally_among_the_liable() -> None:
    offer = CaseOffered.model_validate(offer_data(claims=[{"head": "12", "amount": "600000.00"}]))
    unknown = Certificate.model_validate({**certificate_data(), "cert_kind": "cause_unknown", "liability": []})
    found = recalculate(offer.claims, unknown, offer.parties, offer.policies, TrafficRules())
    assert paid(found)["SZ-A-001"] == paid(found)["SZ-B-001"] == "100000.00"


def test_an_unknown_head_is_refused_naming_the_table_version() -> None:
    offer = CaseOffered.model_validate(
        offer_data(claims=[{"head": "01", "amount": "1.00"}, {"head": "13", "amount": "1.00"}])
    )
    with pytest.raises(TrafficCodeError) as caught:
        recalculate(offer.claims, offer.accident, offer.parties, offer.policies, TrafficRules())
    assert (caught.value.field, caught.value.rule, caught.value.version) == ("claims[1].head", "unknown_head", "2026")
    assert "claim_heads version 2026" in str(caught.value)


@pytest.mark.parametrize(
    ("amount", "weights", "parts"),
    [
        ("100.00", ["1", "1", "1"], ["33.33", "33.33", "33.34"]),
        ("0.05", ["0.5", "0.5"], ["0.03", "0.02"]),
        ("10.00", ["0", "0"], ["0.00", "0.00"]),
        ("10.00", [], []),
    ],
)
def test_split_rounds_half_up_and_adds_up(amount: str, weights: list[str], parts: list[str]) -> None:
    assert split(Decimal(amount), [Decimal(w) for w in weights]) == [Decimal(p) for p in parts]
