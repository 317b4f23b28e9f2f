"""The roster guards (partners.md §4 "Guards"), table-driven: the qualifying minimum [P46] with every kind of
mediator that does not count, an ID active in two organisations found on match keys, and each unassignable
standing refused with its rule named."""

from datetime import date, timedelta

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.roster.guards import assignable, ids_in_two_orgs, org_submittable, standing_of
from adapter.partners.roster.rules import RosterRules
from adapter.partners.spec import PartnerRecord
from tests.support.roster_samples import OTHER_USCC, RULES, mediator, mediator_record, org_record, organisation

TODAY = date(2026, 3, 2)
ORG = organisation()


def good(serial: int, **changes: object) -> PartnerRecord:
    return mediator_record("ACTIVE", mediator(serial, **changes))


# One mediator that must not count, and why the refusal says so.
NOT_COUNTED = {
    "expired record": (mediator_record("EXPIRED", mediator(9)), "status expired"),
    "retired record": (mediator_record("RETIRED", mediator(9)), "status retired"),
    "suspended record": (mediator_record("SUSPENDED", mediator(9)), "status suspended"),
    "rejected record": (mediator_record("REJECTED", mediator(9)), "status rejected"),
    "declared suspended": (mediator_record("ACTIVE", mediator(9, status="suspended")), "status suspended"),
    "not qualifying": (mediator_record("ACTIVE", mediator(9, qualifying=False)), "not qualifying"),
    "term ended yesterday": (
        mediator_record("ACTIVE", mediator(9, term_from=date(2024, 1, 1), term_to=TODAY - timedelta(days=1))),
        "term ended 2026-03-01",
    ),
    "term begins tomorrow": (
        mediator_record("SUBMITTED", mediator(9, term_from=TODAY + timedelta(days=1))),
        "term begins 2026-03-03",
    ),
}


def test_three_qualifying_active_in_term_mediators_suffice_drafts_and_submitted_ones_included() -> None:
    mediators = [mediator_record("DRAFT", mediator(1)), mediator_record("SUBMITTED", mediator(2)), good(3)]
    org_submittable(ORG, mediators, TODAY, RULES)
    org_submittable(ORG, [standing_of(m) for m in mediators], TODAY, RULES)  # the submit action's input form


def test_a_term_ending_today_still_counts() -> None:
    org_submittable(ORG, [good(1), good(2), good(3, term_to=TODAY)], TODAY, RULES)


def test_one_person_entered_twice_counts_once_toward_the_minimum() -> None:
    twice = [standing_of(good(1), "k1:same"), standing_of(good(2), "k1:same"), standing_of(good(3), "k1:other")]
    with pytest.raises(InvalidRequest) as refused:
        org_submittable(ORG, twice, TODAY, RULES)
    assert "has 2 qualifying" in str(refused.value) and "M-0002: the same person" in str(refused.value)
    org_submittable(ORG, [*twice[:2], twice[2], standing_of(good(4), "k1:fourth")], TODAY, RULES)


@pytest.mark.parametrize("case", sorted(NOT_COUNTED))
def test_a_mediator_who_does_not_count_leaves_two_and_the_organisation_is_refused(case: str) -> None:
    extra, why = NOT_COUNTED[case]
    with pytest.raises(InvalidRequest) as refused:
        org_submittable(ORG, [good(1), good(2), extra], TODAY, RULES)
    assert refused.value.rule == "min_qualifying_mediators" and refused.value.field == "mediators"
    text = str(refused.value)
    assert "has 2 qualifying" in text and "at least 3" in text and "[P46]" in text
    assert f"M-0009: {why}" in text
    assert mediator(9).id_number not in text


def test_another_organisations_mediators_are_ignored_and_the_minimum_is_a_setting() -> None:
    others = [mediator_record("ACTIVE", mediator(n, org=OTHER_USCC)) for n in (4, 5, 6)]
    with pytest.raises(InvalidRequest, match="has 0 qualifying") as refused:
        org_submittable(ORG, others, TODAY, RULES)
    assert "M-0004" not in str(refused.value)
    org_submittable(ORG, [good(1), good(2)], TODAY, RosterRules(min_qualifying_mediators=2))
    with pytest.raises(InvalidRequest, match="at least 4"):
        org_submittable(ORG, [good(1), good(2), good(3)], TODAY, RosterRules(min_qualifying_mediators=4))


def keyed(serial: int, org: str, status: str, key: str | None) -> tuple[str | None, PartnerRecord]:
    record = mediator_record(status, mediator(serial, org=org), record_id=f"RO-{serial}-{org[:4]}")
    return key, record


def test_an_id_active_in_two_organisations_is_flagged_by_its_match_key() -> None:
    pairs = [
        keyed(1, ORG.uscc, "ACTIVE", "k1:aaa"),
        keyed(2, OTHER_USCC, "SUBMITTED", "k1:aaa"),  # the same person (same key) nominated by another organisation
        keyed(3, ORG.uscc, "ACTIVE", "k1:bbb"),
        keyed(4, ORG.uscc, "ACTIVE", None),  # no key (an ID-less entry): never matched
    ]
    (found,) = ids_in_two_orgs(pairs)
    assert found.match_key == "k1:aaa"
    assert found.refs == ("M-0001", "M-0002") and found.organisations == tuple(sorted((ORG.uscc, OTHER_USCC)))


@pytest.mark.parametrize(
    ("second_org", "second_status", "flagged"),
    [
        (OTHER_USCC, "SUSPENDED", True),  # suspended still holds the place
        (OTHER_USCC, "DRAFT", True),
        (OTHER_USCC, "RETIRED", False),  # left the other organisation: no longer active there
        (OTHER_USCC, "EXPIRED", False),
        (OTHER_USCC, "REJECTED", False),
        (ORG.uscc, "ACTIVE", False),  # two entries in one organisation: not this check
    ],
)
def test_only_entries_holding_a_place_count(second_org: str, second_status: str, flagged: bool) -> None:
    pairs = [keyed(1, ORG.uscc, "ACTIVE", "k1:aaa"), keyed(2, second_org, second_status, "k1:aaa")]
    assert bool(ids_in_two_orgs(pairs)) is flagged


# A mediator record that cannot be assigned → the rule and the reason the refusal names
UNASSIGNABLE = {
    "expired": (mediator_record("EXPIRED"), "mediator_expired", "expired"),
    "term ended, not yet swept": (
        mediator_record("ACTIVE", mediator(1, term_from=date(2024, 1, 1), term_to=TODAY - timedelta(days=1))),
        "mediator_expired",
        "term ended 2026-03-01",
    ),
    "removed by a court": (mediator_record("RETIRED", removed=True), "mediator_removed", "removed"),
    "retired": (mediator_record("RETIRED"), "mediator_retired", "retired"),
    "suspended": (mediator_record("SUSPENDED"), "mediator_suspended", "suspended"),
    "draft": (mediator_record("DRAFT"), "mediator_not_active", "not yet active"),
    "submitted": (mediator_record("SUBMITTED"), "mediator_not_active", "not yet active"),
    "certified, not onboarded": (mediator_record("CERTIFIED"), "mediator_not_active", "not yet active"),
    "rejected": (mediator_record("REJECTED"), "mediator_not_active", "not yet active"),
    "term not begun": (
        mediator_record("ACTIVE", mediator(1, term_from=TODAY + timedelta(days=1))),
        "mediator_out_of_term",
        "term begins 2026-03-03",
    ),
}


@pytest.mark.parametrize("case", sorted(UNASSIGNABLE))
def test_each_unassignable_mediator_is_refused_naming_why(case: str) -> None:
    record, rule, why = UNASSIGNABLE[case]
    with pytest.raises(InvalidRequest) as refused:
        assignable(record, TODAY)
    assert refused.value.rule == rule and refused.value.field == "mediator"
    text = str(refused.value)
    assert text.startswith("an expired or removed mediator cannot be assigned to a case: M-0001")
    assert why in text and mediator(1).id_number not in text


def test_an_active_mediator_in_term_is_assignable_on_both_ends_of_the_term() -> None:
    record = mediator_record("ACTIVE", mediator(1, term_from=TODAY, term_to=TODAY + timedelta(days=1)))
    assignable(record, TODAY)
    assignable(record, TODAY + timedelta(days=1))
    with pytest.raises(InvalidRequest):
        assignable(record, TODAY + timedelta(days=2))


def test_guards_refuse_a_record_that_is_not_a_mediator() -> None:
    with pytest.raises(InvalidRequest) as refused:
        assignable(org_record("ACTIVE"), TODAY)
    assert refused.value.rule == "entity"
    with pytest.raises(InvalidRequest):
        ids_in_two_orgs([("k", org_record("ACTIVE"))])
