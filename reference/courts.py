"""The court table (reference/courts.csv): case-number court codes, names, levels, provinces — loaded once, checked
as data so a typo in the file fails loudly at start-up instead of passing a wrong court to a platform. The file
names its version and its source (`# version:`, `# source:`), so what the table was checked against travels with
it; the per-court evidence is in the file's comments."""

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

LEVELS = ("high", "intermediate", "basic", "specialised")


@dataclass(frozen=True)
class Court:
    code: str  # 粤 (high), 粤01 (intermediate), 粤0104 (basic), 粤72 (specialised)
    name: str
    level: str
    province: str


@dataclass(frozen=True)
class CourtTable:
    version: str
    courts: dict[str, Court]
    source: str = ""

    def get(self, code: str) -> Court | None:
        return self.courts.get(code)


class CourtTableError(ValueError):
    """The shipped court table breaks one of its own rules; the message names the line."""


@cache
def court_table() -> CourtTable:
    return parse(resources.files("reference").joinpath("courts.csv").read_text(encoding="utf-8"))


def parse(text: str) -> CourtTable:
    header = {"version": "", "source": ""}
    data_lines = []
    for line in text.splitlines():
        key, _, value = line.removeprefix("# ").partition(":")
        if line.startswith("#") and key in header and not header[key]:
            header[key] = value.strip()
        elif not line.startswith("#"):
            data_lines.append(line)
    for key, value in header.items():
        if not value:
            raise CourtTableError(f"the court table has no '# {key}:' line")
    courts: dict[str, Court] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(data_lines))), start=2):
        court = Court(**{k: (v or "").strip() for k, v in row.items()})
        _check(court, number, courts)
        courts[court.code] = court
    high = {c.code for c in courts.values() if c.level == "high"}
    for court in courts.values():
        if court.code[0] not in high:
            raise CourtTableError(f"court {court.code}: no high court for province code {court.code[0]!r}")
        if court.level == "basic" and court.code[:-2] not in courts:
            raise CourtTableError(f"basic court {court.code}: its intermediate court {court.code[:-2]} is not listed")
    return CourtTable(header["version"], courts, header["source"])


def _check(court: Court, line: int, seen: dict[str, Court]) -> None:
    if court.code in seen:
        raise CourtTableError(f"line {line}: court code {court.code} appears twice")
    if court.level not in LEVELS:
        raise CourtTableError(f"line {line}: level {court.level!r} is not one of {', '.join(LEVELS)}")
    digits = court.code[1:]
    expected = {"high": 0, "intermediate": 2, "basic": 4}.get(court.level)
    if (digits and not digits.isdigit()) or (expected is not None and len(digits) != expected):
        raise CourtTableError(f"line {line}: {court.code} is not a {court.level} court code")
    if not court.name.endswith(("法院", "分院")) or not court.province:
        raise CourtTableError(f"line {line}: {court.code} needs a court name ending in 法院 and a province")
