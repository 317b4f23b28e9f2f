"""案号: every bracket form, every listed type code, specialised-trial characters, old-style numbers, malformed
ones; the court table checked as data."""

import pytest

from mappings.case_number import SPECIALISED, TYPE_CODES, MalformedCaseNumber, parse
from mappings.courts import CourtTableError, court_table
from mappings.courts import parse as parse_table


@pytest.mark.parametrize(
    "text",
    [
        "（2024）粤0104民初123号",
        "(2024)粤0104民初123号",
        "〔2024〕粤0104民初123号",
        "（2024) 粤0104 民初 123 号",
        "[2024]粤0104民初123号",
    ],
)
def test_every_bracket_form_reads_the_same(text: str) -> None:
    number = parse(text)
    assert number.text == "（2024）粤0104民初123号"
    assert (number.year, number.court_code, number.type_code, number.serial) == (2024, "粤0104", "民初", 123)
    assert number.court is not None and number.court.name == "广州市越秀区人民法院" and number.problems == []


@pytest.mark.parametrize("type_code", [t for t in TYPE_CODES if not t.endswith("字")])
def test_every_listed_type_code_is_known(type_code: str) -> None:
    number = parse(f"（2025）粤0106{type_code}88号").strict()
    assert number.type_code == type_code and number.known_type and number.specialised is None


@pytest.mark.parametrize("character", SPECIALISED)
def test_specialised_trial_characters_are_split_from_the_type(character: str) -> None:
    number = parse(f"（2019）粤73{character}民初45号")
    assert number.specialised == character and number.type_code == "民初" and number.court is not None


@pytest.mark.parametrize(
    ("text", "court", "level"),
    [
        ("（2023）粤民终7号", "粤", "high"),
        ("（2023）粤01民终7号", "粤01", "intermediate"),
        ("（2023）兵民申2号", "兵", "high"),
    ],
)
def test_courts_of_every_level(text: str, court: str, level: str) -> None:
    number = parse(text).strict()
    assert number.court_code == court and number.court is not None and number.court.level == level


def test_the_pre_2016_form_of_a_judicial_confirmation() -> None:
    number = parse("（2015）穗越法民调确字第12号")
    assert number.type_code == "民调确字" and number.known_type and number.serial == 12
    assert number.court is None and "not in the court table" in number.problems[0]


def test_a_court_outside_the_table_is_flagged_not_accepted() -> None:
    """The domain's own example: a Chengdu court the table (high courts + Guangdong) does not list."""
    number = parse("(2021)川0104民诉前调801号")
    assert number.known_type and number.court is None
    with pytest.raises(MalformedCaseNumber, match=r"川0104.*not in the court table"):
        number.strict()


def test_an_unknown_type_code_is_flagged_not_accepted() -> None:
    number = parse("（2024）粤0104民奇123号")
    assert number.type_code == "民奇" and not number.known_type
    with pytest.raises(MalformedCaseNumber, match="type code '民奇'"):
        number.strict()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "粤0104民初123号",
        "（24）粤0104民初123号",
        "（2024）粤0104民初号",
        "（2024）粤0104民初123",
        "（2024）0104民初123号",
        "（2024）粤0104民初0号",
        "（1900）粤0104民初1号",
        "（2024）粤104民初1号",
        "（2024）粤0104123号",
    ],
)
def test_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(MalformedCaseNumber):
        parse(text)


def test_the_shipped_court_table_covers_every_high_court_and_guangdong() -> None:
    table = court_table()
    levels = [c.level for c in table.courts.values()]
    assert levels.count("high") == 32 and table.version
    guangdong = [c for c in table.courts.values() if c.province == "广东省"]
    assert sum(c.level == "intermediate" for c in guangdong) == 21
    assert sum(c.level == "basic" for c in guangdong) > 120


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ("粤,广东省高级人民法院,high,广东省\n粤,广东省高级人民法院,high,广东省", "appears twice"),
        ("粤,广东省高级人民法院,high,广东省\n粤0104,越秀区人民法院,basic,广东省", "intermediate court 粤01"),
        ("粤,广东省高级人民法院,high,广东省\n粤01,广州中院,intermediate,广东省", "ending in 法院"),
        ("粤,广东省高级人民法院,supreme,广东省", "level"),
        ("粤01,广东省广州市中级人民法院,intermediate,广东省", "no high court"),
        ("粤,广东省高级人民法院,high,广东省\n粤011,某人民法院,basic,广东省", "not a basic court code"),
    ],
)
def test_a_broken_court_table_is_refused_naming_the_problem(rows: str, said: str) -> None:
    with pytest.raises(CourtTableError, match=said):
        parse_table(f"# version: t\ncode,name,level,province\n{rows}\n")
