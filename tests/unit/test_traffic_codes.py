"""The traffic code tables as versioned data (reference/traffic_codes.py) and the rules model's checks
(adapter/partners/traffic/rules.py): the twelve claim heads of partners.md §2, failure codes 2–8 with advice, an
unknown head or version refused naming the table version, a broken table file refused naming its entry, and the
liability→share setting checked for all five levels [P18 Art 60]."""

import pytest
from pydantic import ValidationError

from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.spec import PARTNER_STATUS
from adapter.partners.traffic.states import TrafficStatus
from reference import traffic_codes
from reference.traffic_codes import TrafficCodeError

HEADS = [
    "医疗费",
    "误工费",
    "护理费",
    "交通费",
    "住院伙食补助费",
    "营养费",
    "残疾赔偿金",
    "死亡赔偿金",
    "丧葬费",
    "被扶养人生活费",
    "精神损害抚慰金",
    "财产损失",
]  # fmt: skip  (partners.md §2, in its order)


def test_the_claim_head_table_holds_the_twelve_heads_of_partners_md() -> None:
    table = traffic_codes.load("claim_heads", "2026")
    assert [traffic_codes.head(code, "2026").name for code in table.entries] == HEADS
    assert table.status == "unconfirmed" and table.label == "claim_heads version 2026"


def test_the_failure_codes_run_2_to_8_each_with_advice() -> None:
    codes = [traffic_codes.failure(code, "2026") for code in range(2, 9)]
    assert all(code.advice for code in codes)
    assert [code.code for code in codes if not code.litigation] == [8]
    with pytest.raises(TrafficCodeError) as caught:
        traffic_codes.failure(1, "2026")
    assert caught.value.rule == "unknown_failure_code"


@pytest.mark.parametrize(
    ("table", "version", "rule"),
    [("claim_heads", "2019", "code_table"), ("claim_heads", "../x", "code_table"), ("heads", "2026", "code_table")],
)
def test_a_table_not_shipped_is_refused_naming_what_is(table: str, version: str, rule: str) -> None:
    with pytest.raises(TrafficCodeError) as caught:
        traffic_codes.load(table, version)
    assert caught.value.rule == rule and "claim_heads-2026" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[meta]\ntable = "claim_heads"\n[heads]\n"01" = { name = "医疗费", category = "other" }', "category"),
        ('[meta]\ntable = "claim_heads"\n[heads]\n"01" = { category = "medical" }', "no name"),
        ('[meta]\ntable = "failure_codes"\n[codes]\n"9" = { name = "x", advice = "y", litigation = true }', "2–8"),
        ('[meta]\ntable = "other"\n[codes]\n"2" = { name = "x" }', "table must be"),
    ],
)
def test_a_broken_table_file_is_refused_naming_its_entry(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        traffic_codes.parse(text, "broken.toml")


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({"full": "1", "main": "0.7", "equal": "0.5", "secondary": "0.3"}, "no share for none"),
        ({"full": "1", "main": "1.2", "equal": "0.5", "secondary": "0.3", "none": "0"}, "not between 0 and 1"),
        ({"full": "0.9", "main": "0.7", "equal": "0.5", "secondary": "0.3", "none": "0"}, "full bears 1"),
        (
            {"full": "1", "main": "0.7", "equal": "0.5", "secondary": "0.3", "none": "0", "some": "0.1"},
            "liability_shares",
        ),
    ],
)
def test_the_share_table_is_checked_for_the_five_levels(shares: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TrafficRules.model_validate({"liability_shares": shares})


def test_every_status_has_the_platforms_coarse_status() -> None:
    assert set(PARTNER_STATUS) == set(TrafficStatus)


def test_rules_defaults_are_the_documented_ones() -> None:
    rules = TrafficRules()
    assert (rules.offer_answer_working_days, rules.mediation_days, rules.jc_application_days) == (3, 30, 30)
    assert (rules.claim_assess_days, rules.claim_pay_days, rules.claim_heads_version) == (30, 10, "2026")
    with pytest.raises(ValidationError, match="extra"):
        TrafficRules.model_validate({"offer_answer_days": 3})
