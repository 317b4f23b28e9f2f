"""Identifier checks (domain.md §4 "Parties and identifiers"): resident IDs, unified social credit codes, mobiles.

Each returns the value in its canonical form or raises InvalidIdentifier naming what is wrong — never a guess.
python-stdnum does the GB 11643 and GB 32100 arithmetic [S20]. Its birth-place table is not used: it misses real
divisions (e.g. 445102, Chaozhou Xiangqiao) and knows nothing of residence permits (810000 Hong Kong, 820000 Macau,
830000 Taiwan) or the 2023 foreigner permanent-residence card (leading 9), which share the format and check digit.
"""

import re
from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


class InvalidIdentifier(ValueError):
    """An identifier that fails its standard's rules; the message names the rule."""


PERMIT_PREFIXES = {"810000": "hk_permit", "820000": "macau_permit", "830000": "taiwan_permit"}
# GB/T 2260 province codes, plus 81–83 (HK, Macau, Taiwan permits) and 91–95: the permanent-residence card's
# leading 9 and the province where it was issued. Finer birth-place tables go stale (a district renumbered keeps
# its people's old IDs), so only the province is checked.
PROVINCES = frozenset(
    (
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
        "92",
        "93",
        "94",
        "95",
    )
)
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＹ", "0123456789XXABCDEFGHJKLMNPQRTUWY"
)


def _compact(value: str) -> str:
    return value.strip().replace(" ", "").translate(_FULL_WIDTH).upper()


def resident_id_kind(value: str) -> str:
    """mainland, hk_permit, macau_permit, taiwan_permit or permanent_residence — after resident_id() accepts it."""
    number = _compact(value)
    if number[:6] in PERMIT_PREFIXES:
        return PERMIT_PREFIXES[number[:6]]
    return "permanent_residence" if number.startswith("9") else "mainland"


def resident_id(value: str) -> str:
    """An 18-character GB 11643 number (resident ID card, HK/Macau/Taiwan residence permit, 2023 permanent-
    residence card): length, digits, a possible birth date, the mod-11 check character."""
    number = _compact(value)
    if len(number) != 18:
        raise InvalidIdentifier(f"resident ID must have 18 characters, not {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier("resident ID must be 17 digits and a digit or X")
    if number[:2] not in PROVINCES:
        raise InvalidIdentifier(f"resident ID starts with {number[:2]}, which is no province code")
    _birth_date(number)
    if ric.calc_check_digit(number) != number[17]:
        raise InvalidIdentifier("resident ID check character is wrong")
    return number


def _birth_date(number: str) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(f"resident ID birth date {number[6:14]} is not a date") from None
    if born > date.today() or born.year < 1900:
        raise InvalidIdentifier(f"resident ID birth date {born.isoformat()} is impossible")
    return born


_USCC_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def social_credit_code(value: str) -> str:
    """An 18-character GB 32100 unified social credit code: alphabet without I, O, S, V, Z; mod-31 check."""
    code = _compact(value)
    if len(code) != 18:
        raise InvalidIdentifier(f"unified social credit code must have 18 characters, not {len(code)}")
    forbidden = sorted(set(code) - _USCC_ALPHABET)
    if forbidden:
        raise InvalidIdentifier(f"unified social credit code may not contain {''.join(forbidden)}")
    try:
        return str(uscc.validate(code))
    except InvalidChecksum:
        raise InvalidIdentifier("unified social credit code check character is wrong") from None
    except ValidationError as exc:
        raise InvalidIdentifier(f"unified social credit code is malformed ({exc})") from None


_MOBILE = re.compile(r"1[3-9]\d{9}")


def mobile(value: str) -> str:
    """A mainland mobile number as 11 digits (a leading +86 / 0086 / 86 and spaces or hyphens are dropped)."""
    digits = re.sub(r"[\s\-]", "", value.strip())
    digits = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", digits)
    if not _MOBILE.fullmatch(digits):
        raise InvalidIdentifier(f"{value!r} is not a mainland mobile number (11 digits starting 13–19)")
    return digits


# Landlines: a trunk 0, a 2–3 digit area code (010, 020, 0755 …), a 7–8 digit number, an optional extension;
# 400/800 service numbers as banks and insurers publish them.
_LANDLINE = re.compile(r"0\d{2,3}-?[2-9]\d{6,7}(?:(?:-|转|ext\.?)\d{1,6})?")
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")


def phone_number(value: str) -> str:
    """A party's contact number: a mainland mobile (normalised to 11 digits) or a landline / 400-800 number
    (spaces dropped, hyphens kept as written). Anything else is refused, naming neither digits nor person."""
    compact = re.sub(r"[\s()（）]", "", value.strip())
    try:
        return mobile(compact)
    except InvalidIdentifier:
        pass
    landline = re.sub(r"^(\+86|0086)-?(?=[1-9])", "0", compact)  # +86 20 … → 020 …
    if _LANDLINE.fullmatch(landline) or _SERVICE.fullmatch(landline):
        return landline
    raise InvalidIdentifier("not a mainland mobile, landline (area code first) or 400/800 number")
