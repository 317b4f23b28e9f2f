"""The demo's complaint mix (sandbox/complaint_centre.py, sandbox/complaint_demo.py): every complaint planned, in the
stated proportions, mediation never beyond the cases it may take the place of, each plan sent to a desk that can
carry it, and the institutions' codes and USCCs ones the adapter's guards accept."""

import pytest

from reference import complaint_codes
from sandbox.complaint_centre import PLANS, SHARE, ComplaintCentre
from sandbox.complaint_demo import DESKS, ROLES
from schemas.identifiers import social_credit_code


def centre(seed: int = 7) -> ComplaintCentre:
    institutions = {ROLES[name]: institution for name, (_, _, institution) in DESKS.items()}
    return ComplaintCentre("http://127.0.0.1:9", "key", institutions, seed)


@pytest.mark.parametrize(
    ("count", "cap", "mediation", "small", "review", "withdrawn"),
    [
        (0, 5, 0, 0, 0, 0),
        (1, 0, 0, 0, 0, 0),
        (6, 1, 1, 1, 0, 0),  # under ten: no reviews or withdrawals
        (14, 2, 2, 3, 1, 1),
        (60, 10, 7, 13, 3, 2),
        (60, 3, 3, 13, 3, 2),
        (600, 100, 72, 132, 30, 24),
    ],
)
def test_plans_follow_the_stated_shares_and_the_mediation_cap(
    count: int, cap: int, mediation: int, small: int, review: int, withdrawn: int
) -> None:
    plans = centre().plans(count, cap)
    assert len(plans) == count and set(plans) <= set(PLANS)
    assert plans.count("mediation") == mediation == min(cap, round(count * SHARE["mediation"]))
    assert plans.count("small_claim") == small and plans.count("withdrawn") == withdrawn
    assert plans.count("review") == review
    assert plans.count("general") == count - mediation - small - review - withdrawn


def test_plans_are_the_same_for_a_seed_and_differ_between_seeds() -> None:
    assert centre(7).plans(60, 10) == centre(7).plans(60, 10)
    assert centre(7).plans(60, 10) != centre(8).plans(60, 10)


@pytest.mark.parametrize("plan", PLANS)
def test_each_plan_goes_to_a_desk_that_can_carry_it(plan: str) -> None:
    chosen = {centre(seed)._institution_for(plan).desk for seed in range(20)}
    expected = {
        "small_claim": {"card-centre"},  # the one desk with a memorandum
        "withdrawn": {"life-insurer"},  # it handles for days before deciding
        "review": {"card-centre", "green-pc"},
        "mediation": {"card-centre", "life-insurer"},
        "general": {"card-centre", "life-insurer", "green-pc"},
    }[plan]
    assert chosen <= expected and chosen


@pytest.mark.parametrize("name", list(DESKS))
def test_the_demo_institutions_carry_valid_codes_and_usccs(name: str) -> None:
    institution = DESKS[name][2]
    assert social_credit_code(institution.uscc) == institution.uscc
    named = institution.classification
    (table,) = [
        t for t in complaint_codes.shipped_tables() if (t.table, t.version) == (named["table"], named["version"])
    ]
    assert table.institution_kind.value == institution.kind
    for dimension in ("business", "cause"):
        assert table.knows(dimension, named[dimension]), (name, dimension)
