"""The 案号 parser (domain.md §4 "Case numbers", 法〔2015〕137号 as revised by 法〔2018〕335号 [S10][S34]).

    （2024）粤0104民初123号      year · court code · [specialised-trial character] · type code · serial · 号
    (2021)川0104民诉前调801号    half-width, 〔〕, [] and 【】 brackets are normalised to （）
    （２０２６）粤０１０４民初１０６号  full-width digits, letters and spaces are read as their ASCII forms (NFKC)
    （2019）粤73知民初45号       知: the specialised-trial character (since 2018)
    （2022）沪0115民初13290号之一  之一, 之二 …: a document split off the same case keeps its number plus a suffix
    （2015）穗越法民调确字第12号  the pre-2016 form: court abbreviation, type ending in 字, 第 serial

The court code is looked up in the court table and the type code in the known list; either unknown is *flagged*
(`court is None`, `known_type is False`) and named in `problems`, never silently accepted — `strict()` refuses
such a number. A number that does not have the shape at all raises MalformedCaseNumber. Digits are ASCII after
normalisation: other scripts' digits (٢٠٢٤) are refused, not read.
"""

import re
import unicodedata
from dataclasses import dataclass

from reference.courts import Court, court_table

# Civil, enforcement and mediation-related type codes (类型代字) a mediation centre meets.
TYPE_CODES = {
    "民初": "first-instance civil (post-filing mediation from 2025)",
    "民终": "second-instance civil",
    "民申": "civil retrial application",
    "民再": "civil retrial",
    "民特": "special procedure, including judicial confirmation",
    "民诉前调": "court pre-filing mediation (legacy)",
    "诉前调确": "judicial confirmation after pre-filing mediation (since 2022)",
    "诉前调书": "mediation document after pre-filing mediation (since 2022)",
    "民督": "payment order",
    "民催": "public summons",
    "民辖": "jurisdiction",
    "民撤": "setting aside an arbitral award",
    "财保": "pre-litigation property preservation",
    "执": "enforcement",
    "执恢": "resumed enforcement",
    "执异": "enforcement objection",
    "执保": "enforcement of preservation",
    "调确字": "judicial confirmation (before 2016)",
    "民调确字": "judicial confirmation (before 2016)",
}
SPECIALISED = {"知": "intellectual property", "金": "finance", "环": "environment and resources", "破": "bankruptcy"}

# After NFKC (which already folds full-width （）［］ and small ﹝﹞ into ASCII or 〔〕), every bracket a court system
# or a copy-paste puts round the year becomes the full-width （） of the rules [S10 Art 3].
_BRACKETS = tuple((o, "（") for o in "([〔【〖") + tuple((c, "）") for c in ")]〕】〗")
# White space of every kind (ASCII, ideographic U+3000, NBSP — NFKC turns the last two into spaces) and the
# invisible characters copy-paste leaves behind (zero-width space/joiners, word joiner, BOM).
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_SUFFIX = r"(?P<suffix>之(?:[一二三四五六七八九十百零〇]+|[0-9]{1,3}))?"
_CURRENT = re.compile(
    r"（(?P<year>[0-9]{4})）(?P<court>[\u4e00-\u9fff](?:[0-9]{4}|[0-9]{2})?)(?P<kind>[\u4e00-\u9fff]{1,5}?)"
    r"(?P<serial>[0-9]{1,9})号" + _SUFFIX
)
_OLD = re.compile(
    r"（(?P<year>[0-9]{4})）(?P<court>[\u4e00-\u9fff]{1,6}法)(?P<kind>[\u4e00-\u9fff]{1,4}字)第(?P<serial>[0-9]{1,9})号"
    + _SUFFIX
)
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


class MalformedCaseNumber(ValueError):
    """Text that is not a case number at all; the message says what is missing."""


@dataclass(frozen=True)
class CaseNumber:
    text: str  # normalised: （）brackets, ASCII digits, no spaces; the suffix kept
    year: int
    court_code: str
    court: Court | None  # None: the code is not in the court table
    specialised: str | None  # 知, 金 … or None
    type_code: str
    known_type: bool
    serial: int
    suffix: str | None = None  # 之一, 之二 …: a further document of the same case, or None
    suffix_number: int | None = None  # 1 for 之一, 12 for 之十二

    @property
    def problems(self) -> list[str]:
        found = []
        if self.court is None:
            found.append(f"court code {self.court_code!r} is not in the court table")
        if not self.known_type:
            found.append(f"type code {self.type_code!r} is not a known type code")
        return found

    def strict(self) -> "CaseNumber":
        """This number, if nothing about it is unknown; else MalformedCaseNumber naming what."""
        if self.problems:
            raise MalformedCaseNumber(f"case number {self.text}: " + "; ".join(self.problems))
        return self


def normalise(text: str) -> str:
    """`text` with full-width and compatibility characters folded (NFKC), every space and invisible character
    removed and every bracket form turned into （）: the form the rules print [S10 Art 3]."""
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    for bracket, rule in _BRACKETS:  # a replace per form: cheaper than str.translate's lookup of every character
        folded = folded.replace(bracket, rule)
    return folded


def normalise_court_code(code: str) -> str:
    """A court code (粤０１０４, ' 粤01 ') in the form the court table and per-court settings use (粤0104, 粤01)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", code))


def parse(text: str) -> CaseNumber:
    """The parts of a case number; MalformedCaseNumber if it does not have the shape of one."""
    normalised = normalise(text)
    current = _CURRENT.fullmatch(normalised)
    match = current or _OLD.fullmatch(normalised)
    if match is None:
        raise MalformedCaseNumber(f"{text!r} is not a case number like （2024）粤0104民初123号 or …号之一")
    year, serial = int(match["year"]), int(match["serial"])
    if not 1949 <= year <= 2100:
        raise MalformedCaseNumber(f"{text!r}: year {year} is out of range")
    if serial == 0:
        raise MalformedCaseNumber(f"{text!r}: serial 0 is not a case")
    suffix = match["suffix"]
    suffix_number = None if suffix is None else _suffix_number(text, suffix)
    kind, specialised = match["kind"], None
    if current is not None and kind not in TYPE_CODES and kind[:1] in SPECIALISED:
        specialised, kind = kind[0], kind[1:]
    court = court_table().get(match["court"]) if current is not None else None
    return CaseNumber(
        normalised, year, match["court"], court, specialised, kind, kind in TYPE_CODES, serial, suffix, suffix_number
    )


def _suffix_number(text: str, suffix: str) -> int:
    """之一 → 1 … 之九十九 → 99, 之一百零五 → 105; 之1 in ASCII digits is read as 之一; anything else is refused."""
    value = int(suffix[1:]) if suffix[1:].isascii() else _chinese_numeral(suffix[1:])
    if not value:
        raise MalformedCaseNumber(f"{text!r}: suffix {suffix!r} is not 之 followed by a number like 之一 or 之十二")
    return value


def _chinese_numeral(numeral: str) -> int | None:
    """1–999 written the usual way (一, 十, 十二, 二十, 一百零五, 一百一十); None for anything else."""
    hundreds, rest = 0, numeral
    if "百" in rest:
        head, _, rest = rest.partition("百")
        if head not in _DIGITS or "百" in rest:
            return None
        hundreds = _DIGITS[head] * 100
        if rest.startswith(("零", "〇")):  # 一百零五: the 零 stands for an empty tens place
            rest = rest[1:]
            return hundreds + _DIGITS[rest] if rest in _DIGITS else None
    if not rest:
        return hundreds or None
    if "十" in rest:
        head, _, tail = rest.partition("十")
        if (head and head not in _DIGITS) or (tail and tail not in _DIGITS):
            return None
        # 十二 alone is 12; after a hundred the tens digit is written (一百一十二), but 一百十二 is also seen.
        return hundreds + _DIGITS.get(head, 1) * 10 + _DIGITS.get(tail, 0)
    return hundreds + _DIGITS[rest] if rest in _DIGITS else None
