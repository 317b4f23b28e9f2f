"""案号: every bracket form, full-width and invisible characters, suffixes (之一 …), every listed type code,
specialised-trial characters, old-style numbers, malformed ones; the court table checked as data."""

import pytest

from reference.case_number import SPECIALISED, TYPE_CODES, MalformedCaseNumber, normalise_court_code, parse
from reference.courts import CourtTableError, court_table
from reference.courts import parse as parse_table


@pytest.mark.parametrize(
    "text",
    [
        "（2024）粤0104民初123号",
        "(2024)粤0104民初123号",
        "〔2024〕粤0104民初123号",
        "（2024) 粤0104 民初 123 号",
        "[2024]粤0104民初123号",
        "【2024】粤0104民初123号",
        "〖2024〗粤0104民初123号",
        "［2024］粤0104民初123号",
        "﹝2024﹞粤0104民初123号",
        "(2024〕粤0104民初123号",
    ],
)
def test_every_bracket_form_reads_the_same(text: str) -> None:
    number = parse(text)
    assert number.text == "（2024）粤0104民初123号"
    assert (number.year, number.court_code, number.type_code, number.serial) == (2024, "粤0104", "民初", 123)
    assert number.court is not None and number.court.name == "广州市越秀区人民法院" and number.problems == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("（２０２６）粤０１０４民初１０６号", id="full-width-digits"),
        pytest.param("(２０２６)粤0104民初106号", id="full-width-year-only"),
        pytest.param("（2026）粤０１０４民初106号", id="full-width-court-code-only"),
        pytest.param("（2026）粤0104民初１０６号", id="full-width-serial-only"),
        pytest.param("（2026）\u3000粤0104\u3000民初106号", id="ideographic-space"),
        pytest.param("（2026）粤0104\xa0民初\xa0106号", id="no-break-space"),
        pytest.param("（2026）\u2002粤0104\u2009民初106号", id="en-and-thin-space"),
        pytest.param("\ufeff（2026）粤0104\u200b民初106\u200d号\u2060", id="bom-and-zero-width"),
        pytest.param(" \t（2026）粤0104民初106号\r\n", id="surrounding-white-space"),
        pytest.param("【２０２６】 粤０１０４ 民初 １０６ 号", id="everything-at-once"),
    ],
)
def test_full_width_and_invisible_characters_are_normalised(text: str) -> None:
    """Full-width digits, every space and invisible character: the rules' form, and the court is found."""
    number = parse(text).strict()
    assert number.text == "（2026）粤0104民初106号" and number.court_code == "粤0104"
    assert (number.year, number.serial) == (2026, 106)
    assert number.court is not None and number.court.name == "广州市越秀区人民法院"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("（٢٠٢٦）粤0104民初106号", id="arabic-indic-digits"),
        pytest.param("（२०२६）粤0104民初106号", id="devanagari-digits"),
        pytest.param("（2026）粤0104民初᠑᠐号", id="mongolian-digits"),
    ],
)
def test_digits_of_other_scripts_are_refused_not_read(text: str) -> None:
    """Only ASCII digits (after folding full-width ones) are digits of a 案号; `\\d` would read these silently."""
    with pytest.raises(MalformedCaseNumber):
        parse(text)


def test_normalise_court_code_folds_what_parse_folds() -> None:
    assert normalise_court_code("\u3000粤０１０４ ") == "粤0104" == parse("（2026）粤０１０４民初1号").court_code


@pytest.mark.parametrize(
    ("suffix", "number"),
    [
        *[(f"之{c}", n) for n, c in enumerate("一二三四五六七八九十", start=1)],
        ("之十一", 11),
        ("之十九", 19),
        ("之二十", 20),
        ("之二十三", 23),
        ("之九十九", 99),
        ("之一百", 100),
        ("之一百零五", 105),
        ("之一百〇五", 105),
        ("之一百一十", 110),
        ("之二百三十四", 234),
        ("之1", 1),
        ("之12", 12),
    ],
)
def test_a_suffixed_number_is_parsed_and_keeps_its_suffix(suffix: str, number: int) -> None:
    """（2026）粤0104民初106号之一: a further document of the same case; the suffix is kept and read."""
    parsed = parse(f"（２０２６）粤0104民初106号{suffix}").strict()
    assert parsed.text == f"（2026）粤0104民初106号{suffix}"
    assert (parsed.serial, parsed.suffix, parsed.suffix_number) == (106, suffix, number)
    assert parsed.court is not None and parsed.type_code == "民初"


def test_an_unsuffixed_number_has_no_suffix() -> None:
    number = parse("（2026）粤0104民初106号")
    assert number.suffix is None and number.suffix_number is None


def test_the_pre_2016_form_keeps_its_suffix_too() -> None:
    number = parse("（2015）穗越法民调确字第12号之二")
    assert (number.serial, number.suffix, number.suffix_number) == (12, "之二", 2)
    assert number.text == "（2015）穗越法民调确字第12号之二"


@pytest.mark.parametrize(
    "text",
    [
        "（2026）粤0104民初106号之",
        "（2026）粤0104民初106号之零",
        "（2026）粤0104民初106号之十十",
        "（2026）粤0104民初106号之百",
        "（2026）粤0104民初106号之一百百",
        "（2026）粤0104民初106号之一二",
        "（2026）粤0104民初106号之一百零",
        "（2026）粤0104民初106号之0",
        "（2026）粤0104民初106号之一2",
        "（2026）粤0104民初106号之一号",
        "（2026）粤0104民初106号之一之二",
    ],
)
def test_a_malformed_suffix_is_refused(text: str) -> None:
    with pytest.raises(MalformedCaseNumber):
        parse(text)


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
        parse_table(f"# version: t\n# source: t\ncode,name,level,province\n{rows}\n")


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("# source: SPC list\n", "no '# version:' line"),
        ("# version: 1\n", "no '# source:' line"),
        ("# version:\n# source: SPC list\n", "no '# version:' line"),
    ],
)
def test_a_court_table_must_name_its_version_and_source(header: str, said: str) -> None:
    with pytest.raises(CourtTableError, match=said):
        parse_table(f"{header}code,name,level,province\n粤,广东省高级人民法院,high,广东省\n")


def test_the_shipped_court_table_names_its_version_and_source() -> None:
    table = court_table()
    assert table.version and "法〔2018〕335号" in table.source


# Specialised and other courts a banking/insurance dispatch may name, each confirmed by a published case number
# (the evidence is cited in reference/courts.csv); a 案号 of each is read with the court found.
ADDED_COURTS = [
    ("京74", "北京金融法院", "specialised"),
    ("沪74", "上海金融法院", "specialised"),
    ("京04", "北京市第四中级人民法院", "intermediate"),
    ("京0491", "北京互联网法院", "basic"),
    ("浙01", "浙江省杭州市中级人民法院", "intermediate"),
    ("浙0192", "杭州互联网法院", "basic"),
    ("京73", "北京知识产权法院", "specialised"),
    ("沪73", "上海知识产权法院", "specialised"),
    ("沪72", "上海海事法院", "specialised"),
    ("津72", "天津海事法院", "specialised"),
    ("鲁72", "青岛海事法院", "specialised"),
    ("浙72", "宁波海事法院", "specialised"),
    ("鄂72", "武汉海事法院", "specialised"),
    ("粤71", "广州铁路运输中级法院", "specialised"),
    ("粤7101", "广州铁路运输第一法院", "basic"),
    ("粤7102", "广州铁路运输第二法院", "basic"),
]


@pytest.mark.parametrize(("code", "name", "level"), ADDED_COURTS)
def test_financial_internet_ip_maritime_and_railway_courts_are_found(code: str, name: str, level: str) -> None:
    number = parse(f"（2026）{code}民初8号").strict()
    assert number.court is not None
    assert (number.court.code, number.court.name, number.court.level) == (code, name, level)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("粤72", "广州海事法院"),
        ("粤73", "广州知识产权法院"),
        ("粤0192", "广州互联网法院"),
        ("兵", "新疆维吾尔自治区高级人民法院生产建设兵团分院"),
    ],
)
def test_the_courts_listed_before_are_unchanged(code: str, name: str) -> None:
    court = court_table().get(code)
    assert court is not None and court.name == name


@pytest.mark.parametrize("code", ["渝74", "辽72", "琼73", "粤74"])
def test_a_court_whose_code_is_unconfirmed_is_flagged_not_guessed(code: str) -> None:
    """成渝金融法院 (渝74?), 大连海事法院 (辽72?), 海南自由贸易港知识产权法院 (琼73?) and 粤74 (no 广州金融法院 was
    found): not in the table until a source confirms them, so flagged."""
    number = parse(f"（2026）{code}民初8号")
    assert number.court is None and "not in the court table" in number.problems[0]


@pytest.mark.parametrize(
    "text",
    [
        "（2026）粤0104民初" + "1" * 5000 + "号",  # past Python's int() digit limit: once a raw ValueError
        "（2026）粤0104民初1234567890号",  # ten digits: no court numbers its cases so far
        "（2026）粤0104民初106号之" + "1" * 5000,
        "（2026）粤0104民初106号之1000",
        "（2015）广州市越秀区法民一字第" + "9" * 5000 + "号",
    ],
    ids=["serial-5000-digits", "serial-10-digits", "suffix-5000-digits", "suffix-4-digits", "old-form-5000"],
)
def test_an_absurdly_long_serial_or_suffix_is_not_a_case_number(text: str) -> None:
    """Refused as MalformedCaseNumber with the usual message — never Python's own integer-size error."""
    with pytest.raises(MalformedCaseNumber, match="is not a case number"):
        parse(text)
