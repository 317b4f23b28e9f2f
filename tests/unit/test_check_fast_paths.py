"""The intake check's short cuts give what the general path they skip gives: each is compared, over tables of the
values courts send and over generated text, with the formula it replaces (written out here as it was)."""

import json
import re
import unicodedata
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.times import _zone, read_time
from reference import case_number
from schemas import contacts, identifiers
from signing.jws import _json_text

# Text as courts and people type it: ASCII, full-width forms, CJK, every kind of space and dash, brackets.
MIXED = st.text(
    st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from("０１２３４５６７８９ｘＸａＡ＋－（）　\u00a0\u200b‐‑‒–—―−﹣（）〔〕【】〖〗［］﹝﹞"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E20),
        st.characters(),
    ),
    max_size=30,
)

IDENTIFIERS = [
    "44010419900307123X",
    " 440104 19900307 123x ",
    "４４０１０４１９９００３０７１２３Ｘ",
    "440104\u300019900307123X",
    "91440000MA5ABCDE1X",
    "91440000ma5abcde1x",
    "ß",
    "",
]
PHONES = [
    "13800138000",
    " 138 0013 8000 ",
    "+86 138-0013-8000",
    "(020) 8765-4321 ext 12",
    "020-87654321#9",
    "95588转2",
    "１３８００１３８０００",
    "＋８５２ ５１２３ ４５６７",
    "020–87654321",
    "[0755]2345678",
    "abc",
    "",
]
CASE_NUMBERS = [
    "（2026）粤0104民初123号",
    "(2021)川0104民诉前调801号",
    "〔2021〕川0104民初1号",
    "【2022】沪0115民初13290号之一",
    "［2019］粤73知民初45号",
    "（２０２６）粤０１０４民初１０６号",
    "（2015） 穗越法民调确字第12号",
    "〖2020〗京01民终9号",
    "(2020 )京01民终9号",
]


def _identifier_compact_before(value: str) -> str:
    return "".join(value.translate(identifiers._FULL_WIDTH).split()).upper()


def _phone_compact_before(value: str) -> str:
    text = re.sub(r"[\s()\[\]]", "", unicodedata.normalize("NFKC", value).translate(contacts._DASHES))
    return contacts._EXTENSION_MARK.sub("转", text)


_BRACKETS_BEFORE = str.maketrans({o: "（" for o in "([〔【〖"} | {c: "）" for c in ")]〕】〗"})


def _case_number_normalise_before(text: str) -> str:
    return case_number._INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_BRACKETS_BEFORE)


def _uscc_check_before(first17: str) -> str:
    total = sum(identifiers.USCC_ALPHABET.index(c) * w for c, w in zip(first17, identifiers._USCC_WEIGHTS, strict=True))
    return identifiers.USCC_ALPHABET[-total % 31]


@pytest.mark.parametrize("value", IDENTIFIERS)
def test_an_ascii_identifier_skips_the_full_width_table_and_is_compacted_as_before(value: str) -> None:
    """An identity number is compacted to what the full-width table and the split gave, ASCII or not."""
    assert identifiers._compact(value) == _identifier_compact_before(value)


@given(MIXED)
@settings(max_examples=400)
def test_any_text_is_compacted_as_an_identifier_as_before(value: str) -> None:
    """Whatever text comes as an identity number, its compact form is what it was."""
    assert identifiers._compact(value) == _identifier_compact_before(value)


@pytest.mark.parametrize("value", PHONES)
def test_an_ascii_phone_skips_nfkc_and_the_dash_table_and_is_compacted_as_before(value: str) -> None:
    """A phone number is compacted to what NFKC, the dash table and the layout pattern gave."""
    assert contacts._compact(value) == _phone_compact_before(value)


@given(MIXED)
@settings(max_examples=400)
def test_any_text_is_compacted_as_a_phone_as_before(value: str) -> None:
    """Whatever text comes as a phone number, its compact form (and so its kind) is what it was."""
    assert contacts._compact(value) == _phone_compact_before(value)


@pytest.mark.parametrize("text", CASE_NUMBERS)
def test_every_bracket_form_of_a_case_number_is_normalised_as_before(text: str) -> None:
    """A 案号's brackets become （） by replacement exactly as they did through the translation table."""
    assert case_number.normalise(text) == _case_number_normalise_before(text)


@given(MIXED)
@settings(max_examples=400)
def test_any_text_is_normalised_as_a_case_number_as_before(text: str) -> None:
    """Whatever text comes as a 案号, its normalised form is what it was."""
    assert case_number.normalise(text) == _case_number_normalise_before(text)


@given(st.text(st.sampled_from(identifiers.USCC_ALPHABET), min_size=17, max_size=17))
def test_the_uscc_check_character_is_the_one_the_alphabet_index_gave(first17: str) -> None:
    """GB 32100's check character, read through the value table, is what the alphabet's index gave."""
    assert identifiers.uscc_check_character(first17) == _uscc_check_before(first17)


@pytest.mark.parametrize("first17", ["", "9144000012345678", "914400001234567890", "91440000I23456789"])
def test_the_uscc_check_character_of_a_wrong_code_is_refused_as_before(first17: str) -> None:
    """A wrong length or a character outside the alphabet still raises ValueError."""
    with pytest.raises(ValueError):
        _uscc_check_before(first17)
    with pytest.raises(ValueError):
        identifiers.uscc_check_character(first17)


@pytest.mark.parametrize("sign", ["+", "-"])
def test_every_written_utc_offset_gives_the_zone_it_gave(sign: str) -> None:
    """Every ±HH:MM two digits can write: the same fixed zone as before, and None where the offset is impossible."""
    for hours in range(100):
        for minutes in range(100):
            h, m = f"{hours:02d}", f"{minutes:02d}"
            if hours > 23 or minutes > 59:
                assert _zone(sign, h, m) is None
            else:
                delta = timedelta(hours=hours, minutes=minutes)
                assert _zone(sign, h, m) == timezone(-delta if sign == "-" else delta)


@given(st.text(st.sampled_from("0123456789"), min_size=1, max_size=9))
def test_a_fraction_of_a_second_is_truncated_to_microseconds_as_before(fraction: str) -> None:
    """1 to 9 fraction digits: the microseconds are the first six, padded, never rounded."""
    when = read_time(f"2026-03-02T09:30:00.{fraction}+08:00", "iso8601", "fssj")
    assert when.microsecond == int(fraction.ljust(6, "0")[:6])


@given(st.one_of(st.binary(max_size=12), st.binary(max_size=12).map(lambda b: b"{" + b)))
@settings(max_examples=500)
def test_a_jws_header_is_read_as_json_reads_bytes(raw: bytes) -> None:
    """Any header bytes: the same object as json.loads(bytes), or a ValueError where it raised one."""
    try:
        expected: object = json.loads(raw)
    except ValueError:
        expected = ValueError
    try:
        got: object = json.loads(_json_text(raw))
    except ValueError:
        got = ValueError
    assert repr(got) == repr(expected)  # by repr: json reads NaN, which is never equal to itself


@pytest.mark.parametrize(
    "raw", [b'{"alg":"EdDSA"}', b"{\xed\xa0\x80}", b'{"a":"\xed\xb3\xbf"}', b"\xef\xbb\xbf{}", b"{\x00", b"{"]
)
def test_a_jws_header_with_a_surrogate_bom_or_nul_is_read_as_json_reads_bytes(raw: bytes) -> None:
    """The edge bytes of json's encoding detection: surrogates passed through, a BOM and NUL left to json."""
    try:
        expected: object = json.loads(raw)
    except ValueError as exc:
        expected = type(exc)
    try:
        got: object = json.loads(_json_text(raw))
    except ValueError as exc:
        got = type(exc)
    assert got == expected


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "19912345678",
        "12812345678",
        "1380013800",
        "138001380001",
        " 13800138000",
        "１３８００１３８０００",
        "02087654321",
        "020-87654321",
        "0755-2345678-12",
        "020-8765432-1",
        "00861380013800",
        "0086-20-87654321",
        "02012345678",
        "020-87654321 ",
        "020-87654321转123",
        "010-12345678-1234567",
    ],
)
def test_a_canonical_mobile_or_landline_is_classified_as_the_general_path_classifies_it(value: str) -> None:
    """Eleven ASCII digits 1[3-9]…, or 0, an area code and a local number: the same text and kind as every step of
    the general path gives; anything near either goes that way."""
    assert contacts.classify_phone(value) == contacts._classified(value)


@given(
    st.one_of(
        st.text(st.sampled_from("0123456789"), min_size=9, max_size=13).map(lambda d: "1" + d),
        st.text(st.sampled_from("0123456789-"), min_size=6, max_size=20).map(lambda d: "0" + d),
        MIXED,
    )
)
@settings(max_examples=400)
def test_any_phone_text_is_classified_as_the_general_path_classifies_it(value: str) -> None:
    """Whatever comes as a phone number, its canonical text and kind are what the general path gives."""
    assert contacts.classify_phone(value) == contacts._classified(value)
