"""Identity numbers (domain.md §4 "Parties and identifiers"): resident IDs and unified social credit codes.

Each returns the value in its canonical form or raises InvalidIdentifier naming the rule broken — never a guess.
Identity numbers stay strict; a party's phone number never refuses anything (schemas/contacts.py).

GB 11643 numbers: the structure is read here, python-stdnum computes the mod-11 check digit [S20]. Its birth-place
table is not used: it misses real divisions (e.g. 445102, Chaozhou Xiangqiao) and knows nothing of residence
permits (810000 Hong Kong, 820000 Macau, 830000 Taiwan) or of the 2023 foreigner permanent-residence card
(GA 2102-2023: `9`, the issuing province, the nationality, the birth date, a serial and the same mod-11 check).
GB 32100 codes are checked entirely here: python-stdnum's `cn.uscc` wants digits in the first two places and so
refuses real codes whose registration department is a letter (`A…`, `N…` village collectives, `Y…`).
"""

import re
from datetime import date
from operator import mul

from stdnum.cn import ric


class InvalidIdentifier(ValueError):
    """An identifier that fails its standard's rules; the message names the rule."""


# GB/T 2260 province-level divisions. Finer tables go stale (a district renumbered keeps its people's old IDs), so
# only the province is checked.
GB_T_2260_PROVINCES = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
# The permanent-residence card is issued by the exit-entry administration of a mainland province (GA 2102-2023);
# Hong Kong, Macau and Taiwan issue none.
ISSUING_PROVINCES = frozenset(GB_T_2260_PROVINCES) - {"71", "81", "82"}
PERMIT_PREFIXES = {"810000": "hk_permit", "820000": "macau_permit", "830000": "taiwan_permit"}
# A resident ID's first two digits: a GB/T 2260 province, or 83 of the Taiwan residence permit (830000; Taiwan's
# own GB/T 2260 code is 71).
PROVINCES = frozenset(GB_T_2260_PROVINCES) | {"83"}


# Full-width forms (U+FF01–FF5E: digits, letters of either case) typed with a Chinese input method, as ASCII.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")


def _compact(value: str) -> str:
    # No full-width form is ASCII: an ASCII value (nearly every one) skips the table, looked up per character.
    folded = value if value.isascii() else value.translate(_FULL_WIDTH)
    return "".join(folded.split()).upper()  # split(): any space, the ideographic one too


def resident_id_kind(value: str) -> str:
    """mainland, hk_permit, macau_permit, taiwan_permit or permanent_residence — after resident_id() accepts it."""
    number = _compact(value)
    if number[:6] in PERMIT_PREFIXES:
        return PERMIT_PREFIXES[number[:6]]
    return "permanent_residence" if number.startswith("9") else "mainland"


def resident_id(value: str) -> str:
    """An 18-character GB 11643 number: a resident ID card, a HK/Macau/Taiwan residence permit (same layout), or a
    2023 permanent-residence card (GA 2102-2023: a leading 9, then the issuing province's GB/T 2260 code and a
    3-digit nationality code in place of the 6-digit address code). Checked: length, digits, the province, a
    possible birth date, the mod-11 check character."""
    number = _compact(value)
    if len(number) != 18:
        raise InvalidIdentifier(f"resident ID must have 18 characters, not {len(number)}")
    if not _RESIDENT_ID.fullmatch(number):  # ASCII only: str.isdigit() also takes other scripts' digits
        raise InvalidIdentifier("resident ID must be 17 digits and a digit or X")
    if number[0] == "9":
        if number[1:3] not in ISSUING_PROVINCES:
            raise InvalidIdentifier(
                f"permanent-residence card number (leading 9) has issuing province {number[1:3]}, "
                "which is no province code of a mainland province (GA 2102-2023, GB/T 2260)"
            )
    elif number[:2] not in PROVINCES:
        raise InvalidIdentifier(f"resident ID starts with {number[:2]}, which is no province code (GB/T 2260)")
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


# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the 18th is a mod-31 check character with
# weights 3^(i-1) mod 31 (ISO 7064 style, as GB/T 17710).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUES = {character: value for value, character in enumerate(USCC_ALPHABET)}
_USCC_CHARACTERS = frozenset(USCC_ALPHABET)
_DIVISION = re.compile(r"[0-9]{6}")
# Character 1, the registration department, and the institution kinds (character 2) each department registers:
# GB 32100-2015 with the department codes the national code centre (全国组织机构统一社会信用代码数据服务中心)
# assigned since (A for the Central Military Commission's establishment office, N for agriculture: rural
# collective economic organisations).
USCC_DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "不再具体划分机构类别"}),
}
# Characters 3–8, the registration authority's GB/T 2260 division: a province's, or 100000 for authorities that
# register nationwide (the central departments), or 66xxxx for the Xinjiang Production and Construction Corps,
# which national registers list apart from Xinjiang. Finer tables go stale, as for resident IDs.
USCC_DIVISION_PROVINCES = frozenset(GB_T_2260_PROVINCES) | {"10", "66"}


def uscc_check_character(first17: str) -> str:
    """GB 32100's mod-31 check character of the first 17 characters."""
    if len(first17) != 17 or not _USCC_CHARACTERS.issuperset(first17):  # refused as it always was (ValueError)
        total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    else:
        total = sum(map(mul, map(_USCC_VALUES.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31]


def social_credit_code(value: str) -> str:
    """An 18-character GB 32100 unified social credit code: the alphabet (no I, O, S, V, Z), a registration
    department and an institution kind it registers, a 6-digit GB/T 2260 division, the mod-31 check character.
    The 9 characters of the organisation code (GB 11714) are not checked on their own: codes assigned since 2015
    need not carry a GB 11714 check character of their own, and the mod-31 check covers them."""
    code = _compact(value)
    if len(code) != 18:
        raise InvalidIdentifier(f"unified social credit code must have 18 characters, not {len(code)}")
    if not _USCC_CHARACTERS.issuperset(code):
        forbidden = sorted(set(code) - _USCC_CHARACTERS)
        raise InvalidIdentifier(f"unified social credit code may not contain {''.join(forbidden)}")
    department, kind, division = code[0], code[1], code[2:8]
    if department not in USCC_DEPARTMENTS:
        raise InvalidIdentifier(
            f"unified social credit code registration department {department!r} is none of GB 32100's "
            f"({', '.join(USCC_DEPARTMENTS)})"
        )
    name, kinds = USCC_DEPARTMENTS[department]
    if kind not in kinds:
        raise InvalidIdentifier(
            f"unified social credit code institution kind {kind!r} is not one that registration department "
            f"{department} ({name}) registers (GB 32100: {', '.join(kinds)})"
        )
    if not _DIVISION.fullmatch(division):
        raise InvalidIdentifier(f"unified social credit code division {division!r} must be 6 digits (GB/T 2260)")
    if division[:2] not in USCC_DIVISION_PROVINCES:
        raise InvalidIdentifier(
            f"unified social credit code division {division} names no province (GB/T 2260, or 100000 nationwide)"
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise InvalidIdentifier("unified social credit code check character is wrong")
    return code
