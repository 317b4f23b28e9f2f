"""Identifier validators on valid samples and on corrupted ones (domain.md §4)."""

import pytest

from schemas.contacts import mobile
from schemas.identifiers import InvalidIdentifier, resident_id, resident_id_kind, social_credit_code
from tests.support import samples

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


# ---- the 2023 foreigner permanent-residence card (GA 2102-2023): 9, the issuing province, nationality, birth date

# The 31 mainland province-level divisions of GB/T 2260, written out here (not read from the module under test):
# the exit-entry administration of each issues the card.
MAINLAND_PROVINCES = (
    *("11", "12", "13", "14", "15", "21", "22", "23"),  # 华北, 东北
    *("31", "32", "33", "34", "35", "36", "37"),  # 华东
    *("41", "42", "43", "44", "45", "46"),  # 中南
    *("50", "51", "52", "53", "54"),  # 西南
    *("61", "62", "63", "64", "65"),  # 西北
)


def _permanent_residence(province: str, nationality: str = "840", born: str = "19800101", serial: str = "001") -> str:
    """A card number: 9, the issuing province, the ISO 3166 numeric nationality, the birth date, a serial, check."""
    return _with_check("9" + province + nationality + born + serial)


def test_the_issue_example_issued_in_shaanxi_is_accepted() -> None:
    """961840198001010012: issued in 陕西 (61) to a US national (840) born 1980-01-01."""
    assert resident_id("961840198001010012") == "961840198001010012"
    assert resident_id_kind("961840198001010012") == "permanent_residence"


@pytest.mark.parametrize("province", MAINLAND_PROVINCES)
@pytest.mark.parametrize("nationality", ["840", "036", "392"])
def test_a_permanent_residence_card_of_every_issuing_province_is_accepted(province: str, nationality: str) -> None:
    number = _permanent_residence(province, nationality)
    assert resident_id(number) == number
    assert resident_id_kind(number) == "permanent_residence"


@pytest.mark.parametrize("province", ["00", "10", "16", "60", "66", "70", "71", "81", "82", "83", "90", "99"])
def test_a_permanent_residence_card_naming_no_issuing_province_is_refused(province: str) -> None:
    """Hong Kong, Macau and Taiwan issue no such card; 60, 66, 99 are no province at all."""
    with pytest.raises(InvalidIdentifier, match=f"issuing province {province}, which is no province code"):
        resident_id(_permanent_residence(province))


@pytest.mark.parametrize("province", MAINLAND_PROVINCES)
def test_a_permanent_residence_card_with_a_wrong_check_digit_is_refused(province: str) -> None:
    number = _permanent_residence(province)
    wrong = "0" if number[17] != "0" else "1"
    with pytest.raises(InvalidIdentifier, match="check character"):
        resident_id(number[:17] + wrong)


def test_a_permanent_residence_card_with_an_impossible_birth_date_is_refused() -> None:
    with pytest.raises(InvalidIdentifier, match="not a date"):
        resident_id(_permanent_residence("44", born="19800230"))


@pytest.mark.parametrize("province", MAINLAND_PROVINCES)
def test_a_resident_id_of_every_province_is_accepted(province: str) -> None:
    """The mainland reading is unchanged: the first two digits are the province of the address code."""
    number = _with_check(province + "010219900101123")
    assert resident_id(number) == number and resident_id_kind(number) == "mainland"


# ---- GB 32100 unified social credit codes, letter departments included

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# Registration department → the institution kinds it registers (GB 32100-2015 and the codes assigned since),
# written out here independently of the module under test.
DEPARTMENT_KINDS = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


def _uscc(first17: str) -> str:
    """GB 32100: the mod-31 check character from the 17 characters (written out here, independently of stdnum)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True)) % 31
    return first17 + USCC_ALPHABET[(31 - total) % 31]


def _corrupt_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def test_the_issue_example_village_collective_is_accepted() -> None:
    """N2440106MA0000001G: a village collective (N2) registered in 越秀区 (440106)."""
    assert social_credit_code("N2440106MA0000001G") == "N2440106MA0000001G"


@pytest.mark.parametrize(
    ("department", "kind"), [(d, k) for d, kinds in DEPARTMENT_KINDS.items() for k in kinds], ids=lambda v: v
)
@pytest.mark.parametrize("division", ["440106", "100000", "659001"])
def test_every_department_and_kind_is_accepted_with_its_check_character(
    department: str, kind: str, division: str
) -> None:
    code = _uscc(department + kind + division + "MA0000001")
    assert social_credit_code(code) == code
    assert social_credit_code(code.lower()) == code


@pytest.mark.parametrize("department", DEPARTMENT_KINDS)
def test_every_department_with_a_wrong_check_character_is_refused(department: str) -> None:
    code = _uscc(department + DEPARTMENT_KINDS[department][0] + "440106MA0000001")
    with pytest.raises(InvalidIdentifier, match="check character is wrong"):
        social_credit_code(_corrupt_check(code))


@pytest.mark.parametrize("department", sorted(set(USCC_ALPHABET) - set(DEPARTMENT_KINDS)))
def test_a_character_that_is_no_registration_department_is_refused(department: str) -> None:
    """Even with a right check character: 0, B, C … are in the alphabet but register nothing."""
    with pytest.raises(InvalidIdentifier, match=f"registration department '{department}' is none of GB 32100's"):
        social_credit_code(_uscc(department + "1440106MA0000001"))


@pytest.mark.parametrize(
    ("department", "kind"), [(d, k) for d, kinds in DEPARTMENT_KINDS.items() for k in "0123456789A" if k not in kinds]
)
def test_a_kind_the_department_does_not_register_is_refused(department: str, kind: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"institution kind '{kind}' is not one that registration department"):
        social_credit_code(_uscc(department + kind + "440106MA0000001"))


@pytest.mark.parametrize(
    ("division", "said"),
    [
        ("44A106", "must be 6 digits"),
        ("000000", "names no province"),
        ("990000", "names no province"),
        ("601234", "names no province"),
    ],
)
def test_a_division_that_is_none_is_refused(division: str, said: str) -> None:
    with pytest.raises(InvalidIdentifier, match=said):
        social_credit_code(_uscc("91" + division + "MA0000001"))


def test_a_code_typed_in_full_width_either_case_is_normalised() -> None:
    """Ｎ２４４０１０６ｍａ…: full-width letters of either case and digits, an ideographic space."""
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "n2440106ma") + "\u3000" + "0000001g"
    assert social_credit_code(wide) == "N2440106MA0000001G"


@pytest.mark.parametrize(
    "digits",
    ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "²³¹"],  # Arabic-Indic, Persian, Devanagari, superscripts
    ids=["arabic-indic", "persian", "devanagari", "superscript"],
)
def test_a_resident_id_with_other_scripts_digits_is_refused(digits: str) -> None:
    """str.isdigit() takes these and int() reads them; a stored ID would then never match its ASCII twin."""
    valid = "11010119900307777" + "4"
    resident_id(valid)  # the ASCII number itself is valid (GB 11643 check)
    table = str.maketrans("0123456789", (digits * 4)[:10])
    with pytest.raises(InvalidIdentifier, match="17 digits"):
        resident_id(valid[:6].translate(table) + valid[6:])
