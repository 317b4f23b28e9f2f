"""The 案号 parser (domain.md §4 "Case numbers", 法〔2015〕137号 as revised by 法〔2018〕335号 [S10][S34]).

    （2024）粤0104民初123号      year · court code · [specialised-trial character] · type code · serial · 号
    (2021)川0104民诉前调801号    half-width and 〔〕 brackets are normalised to （）
    （2019）粤73知民初45号       知: the specialised-trial character (since 2018)
    （2015）穗越法民调确字第12号  the pre-2016 form: court abbreviation, type ending in 字, 第 serial

The court code is looked up in the court table and the type code in the known list; either unknown is *flagged*
(`court is None`, `known_type is False`) and named in `problems`, never silently accepted — `strict()` refuses
such a number. A number that does not have the shape at all raises MalformedCaseNumber.
"""

import re
from dataclasses import dataclass

from mappings.courts import Court, court_table

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

_BRACKETS = str.maketrans({"(": "（", ")": "）", "〔": "（", "〕": "）", "[": "（", "]": "）"})
_CURRENT = re.compile(
    r"（(?P<year>\d{4})）(?P<court>[\u4e00-\u9fff](?:\d{4}|\d{2})?)(?P<kind>[\u4e00-\u9fff]{1,5}?)(?P<serial>\d+)号"
)
_OLD = re.compile(
    r"（(?P<year>\d{4})）(?P<court>[\u4e00-\u9fff]{1,6}法)(?P<kind>[\u4e00-\u9fff]{1,4}字)第(?P<serial>\d+)号"
)


class MalformedCaseNumber(ValueError):
    """Text that is not a case number at all; the message says what is missing."""


@dataclass(frozen=True)
class CaseNumber:
    text: str  # normalised: （）brackets, no spaces
    year: int
    court_code: str
    court: Court | None  # None: the code is not in the court table
    specialised: str | None  # 知, 金 … or None
    type_code: str
    known_type: bool
    serial: int

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


def parse(text: str) -> CaseNumber:
    """The parts of a case number; MalformedCaseNumber if it does not have the shape of one."""
    normalised = re.sub(r"\s+", "", text).translate(_BRACKETS)
    current, old = _CURRENT.fullmatch(normalised), _OLD.fullmatch(normalised)
    match = current or old
    if match is None:
        raise MalformedCaseNumber(f"{text!r} is not a case number like （2024）粤0104民初123号")
    year, serial = int(match["year"]), int(match["serial"])
    if not 1949 <= year <= 2100:
        raise MalformedCaseNumber(f"{text!r}: year {year} is out of range")
    if serial == 0:
        raise MalformedCaseNumber(f"{text!r}: serial 0 is not a case")
    kind, specialised = match["kind"], None
    if current is not None and kind not in TYPE_CODES and kind[:1] in SPECIALISED:
        specialised, kind = kind[0], kind[1:]
    court = court_table().get(match["court"]) if current is not None else None
    return CaseNumber(normalised, year, match["court"], court, specialised, kind, kind in TYPE_CODES, serial)
