"""Identifier validators on valid samples and on corrupted ones (domain.md §4)."""

import pytest

from schemas.contacts import mobile
from schemas.identifiers import InvalidIdentifier, resident_id, resident_id_kind, social_credit_code
from tests.unit import samples

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _with_check(first17: str) -> str:
    """GB 11643: the check character from the 17 digits (written out here, independently of stdnum)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11
    return first17 + "10X98765432"[total]


VALID = {
    "mainland": samples.RESIDENT_ID,
    "mainland_chaozhou": _with_check("44510219900101123"),  # a real division some birth-place tables miss
    "mainland_x": _with_check("44010619900307001"),  # check character X
    "hk_permit": _with_check("81000019900101123"),
    "macau_permit": _with_check("82000019851231004"),
    "taiwan_permit": _with_check("83000020000229001"),
    "permanent_residence": _with_check("91144019900101123"),
}


@pytest.mark.parametrize(("kind", "number"), VALID.items(), ids=VALID.keys())
def test_valid_numbers_of_every_kind_are_accepted(kind: str, number: str) -> None:
    assert resident_id(number) == number
    assert resident_id_kind(number) == kind.split("_")[0] if kind.startswith("mainland") else kind


def test_full_width_digits_spaces_and_a_lower_case_x_are_normalised() -> None:
    number = VALID["mainland_x"]
    assert number.endswith("X")  # chosen so: the lower-case x is part of the test
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[:6]) + " " + number[6:].lower()
    assert resident_id(wide) == number


def _corrupt(number: str, position: int) -> str:
    swapped = "0" if number[position] != "0" else "1"
    return number[:position] + swapped + number[position + 1 :]


@pytest.mark.parametrize("kind", VALID)
@pytest.mark.parametrize("position", [0, 7, 15, 17])
def test_one_changed_character_is_refused(kind: str, position: int) -> None:
    corrupted = _corrupt(VALID[kind], position)
    with pytest.raises(InvalidIdentifier):
        resident_id(corrupted)


@pytest.mark.parametrize(
    ("number", "said"),
    [
        (_with_check("11010519850230123"), "not a date"),
        (_with_check("11010520990101123"), "impossible"),
        (_with_check("81000018000101123"), "impossible"),
        (samples.RESIDENT_ID[:17] + ("0" if samples.RESIDENT_ID[17] != "0" else "1"), "check character"),
        (samples.RESIDENT_ID[:-1], "18 characters"),
        ("11010519850307123A", "digit or X"),
        (_with_check("00000019850307123"), "no province code"),
        (_with_check("96000019850307123"), "no province code"),
    ],
)
def test_impossible_numbers_say_why(number: str, said: str) -> None:
    with pytest.raises(InvalidIdentifier, match=said):
        resident_id(number)


def test_social_credit_codes() -> None:
    assert social_credit_code(samples.USCC) == samples.USCC
    assert social_credit_code(samples.USCC.lower()) == samples.USCC
    with pytest.raises(InvalidIdentifier, match="check character"):
        social_credit_code(samples.USCC[:-1] + ("8" if samples.USCC[-1] != "8" else "7"))
    with pytest.raises(InvalidIdentifier, match="18 characters"):
        social_credit_code(samples.USCC[:-1])


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_gb_32100_forbids_are_named(letter: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"may not contain {letter}"):
        social_credit_code(samples.USCC[:5] + letter + samples.USCC[6:])


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("008619912345678", "19912345678")],
)
def test_mobile_numbers_are_normalised(given: str, canonical: str) -> None:
    assert mobile(given) == canonical


@pytest.mark.parametrize("given", ["12800138000", "1380013800", "138001380000", "020-12345678", "1380013800x"])
def test_what_is_not_a_mainland_mobile_is_refused(given: str) -> None:
    with pytest.raises(InvalidIdentifier, match="not a mainland mobile"):
        mobile(given)
