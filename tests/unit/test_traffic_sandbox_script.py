"""The sandbox traffic platform's data and pace (sandbox/traffic/police.py, script.py): every certificate it makes
is a valid offer (IDs, USCCs, the five levels), and each misbehaviour changes what it publishes as documented."""

import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from adapter.deadlines.calendar import WorkCalendar
from sandbox.traffic import script
from sandbox.traffic.config import FAULTS, TrafficConfig
from sandbox.traffic.police import PAIRS, certificate, plate
from schemas.traffic import CaseOffered, LiabilityLevel

CST = timezone(timedelta(hours=8), "CST")
CALENDAR = WorkCalendar()


@pytest.mark.parametrize("seed", range(25))
def test_every_certificate_is_a_valid_offer(seed: int) -> None:
    rng = random.Random(seed)
    accident = datetime(2026, 9, 1, 8, 30, tzinfo=CST) + timedelta(days=seed * 5)
    facts = certificate(rng, seed + 1, accident, CALENDAR)
    offer = CaseOffered.model_validate(
        {"serial_no": f"DJ{seed}", "offered_at": (accident + timedelta(days=30)).isoformat(), **facts}
    )
    assert {item.level for item in offer.accident.liability} <= set(LiabilityLevel)
    assert offer.accident.issued_at > accident and offer.accident.delivered_at is not None
    # police periods in working days [P18 Arts 62, 65]
    made = offer.accident.issued_at.date()
    assert made <= CALENDAR.add_working_days(accident.date(), 10).last_day
    assert offer.accident.delivered_at.date() <= CALENDAR.add_working_days(made, 3).last_day
    assert {p.role for p in offer.parties} == {"claimant", "liable", "insurer"}
    assert len({p.insurer_uscc for p in offer.policies}) == 2


@pytest.mark.parametrize("levels", PAIRS)
def test_each_liability_pair_is_stated_and_the_lesser_party_claims(levels: tuple[str, str]) -> None:
    facts = certificate(random.Random(1), 1, datetime(2026, 3, 2, tzinfo=CST), CALENDAR, levels)
    assert tuple(item["level"] for item in facts["accident"]["liability"]) == levels
    claimant = next(p["party_ref"] for p in facts["parties"] if p["role"] == "claimant")
    ranks = {f"P{n}": list(LiabilityLevel).index(LiabilityLevel(lv)) for n, lv in enumerate(levels, start=1)}
    assert ranks[claimant] >= max(ranks.values())  # the claimant bears no more liability than the other


def test_plates_are_written_as_on_certificates() -> None:
    rng = random.Random(3)
    assert all(re.fullmatch(r"粤[ABES]·[0-9A-HJ-NP-Z]{5}", plate(rng)) for _ in range(200))


@pytest.mark.parametrize(
    ("faults", "steps"),
    [
        (set(), ["claim_received", "claim_assessing", "claim_agreed", "claim_paid"]),
        ({"part_paid"}, ["claim_received", "claim_assessing", "claim_agreed", "claim_part_paid"]),
        ({"refused"}, ["claim_received", "claim_assessing", "claim_refused"]),
        ({"paid_late"}, ["claim_received", "claim_assessing", "claim_agreed", "claim_paid"]),
        ({"out_of_order"}, ["claim_assessing", "claim_received", "claim_agreed", "claim_paid"]),
    ],
)
def test_the_insurer_assesses_and_pays_as_its_faults_say(faults: set[str], steps: list[str]) -> None:
    planned = script.after_claim(faults)
    assert [step for _, step in planned] == steps
    paid_day = planned[-1][0]
    assert (paid_day > 30) == ("paid_late" in faults)  # 保险法 Art 23: paid after day 30 only when late


@pytest.mark.parametrize(
    ("requested", "result"),
    [(date(2026, 3, 2), date(2026, 3, 9)), (date(2026, 9, 30), date(2026, 10, 13))],  # across National Day
)
def test_the_appraisal_result_comes_after_n_working_days(requested: date, result: date) -> None:
    planned = script.after_appraisal_request(set(), CALENDAR, requested, 5)
    assert planned == [((result - requested).days, "appraisal_result")]
    redone = script.after_appraisal_request({"reappraisal"}, CALENDAR, requested, 5)
    assert [step for _, step in redone] == ["appraisal_result", "appraisal_redone"]


def test_a_review_redoes_the_certificate_after_acceptance() -> None:
    assert script.after_acceptance(set()) == []
    assert [s for _, s in script.after_acceptance({"review_liability"})] == [
        "review_requested",
        "review_redo",
        "review_replaced",
    ]


def test_a_jc_ruling_follows_only_an_agreement() -> None:
    assert script.after_outcome({"jc_rejected"}, agreed=True) == [(script.JC_RULING_AFTER, "jc_rejected")]
    assert script.after_outcome(set(), agreed=True) == [(script.JC_RULING_AFTER, "jc_confirmed")]
    assert script.after_outcome({"jc_rejected"}, agreed=False) == []
    assert script.after_offer({"superseded"}) == [(script.SUPERSEDE_AFTER, "superseded")]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"faults": ("sometimes",)}, "faults sometimes"),
        ({"timestamp_format": "rfc822"}, "timestamp_format"),
        ({"seconds_per_day": 0}, "seconds_per_day"),
        ({"appraisal_days": 0}, "appraisal_days"),
    ],
)
def test_a_bad_configuration_is_refused_naming_it(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        TrafficConfig(**kwargs)  # type: ignore[arg-type]
    assert TrafficConfig(faults=FAULTS).faults == FAULTS
