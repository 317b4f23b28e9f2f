"""The export's last guard (partners.md §5 "Guards": a scan for GB 11643 IDs, mobile and Luhn-valid card numbers
fails the export closed). Every text of a PublishedReport — titles, labels, cells — is scanned; the first hit
raises PiiFound naming the cell and the kind of number, the number itself masked.

What counts (the report holds aggregates only, so none of these has any business in it):
- resident ID: 18 characters that pass schemas/identifiers.py resident_id() — GB 11643 IDs with a valid mod-11
  check, HK / Macau / Taiwan residence permits, the 2023 permanent-residence card;
- old resident ID: 15 digits issued before 1999 (a province code, a 19yymmdd birth date that exists, no check
  digit) — adapter/masking.py masks them as well;
- unified social credit code: 18 characters that pass social_credit_code() (GB 32100; an individual business's
  code names its owner);
- mobile: a mainland mobile number, 1[3-9] and 9 digits, possibly after +86 / 86 and grouped by spaces or dashes;
- card: 13–19 digits, possibly grouped, that pass the Luhn check (ISO/IEC 7812).
Digits are read after full-width forms are made ASCII, as people type them with a Chinese input method.
"""

import re
from collections.abc import Iterator
from datetime import date

from adapter.errors import DockingError
from adapter.masking import mask_document, mask_phone
from adapter.report.desensitise import PublishedReport
from schemas.identifiers import GB_T_2260_PROVINCES, InvalidIdentifier, resident_id, social_credit_code

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Not \b: CJK characters are word characters, and a number usually follows Chinese text directly.
_EDGE, _END = r"(?<![0-9A-Za-z.])", r"(?![0-9A-Za-z]|\.\d)"
_EIGHTEEN = re.compile(rf"{_EDGE}[0-9A-Za-z]{{18}}{_END}")
_FIFTEEN = re.compile(rf"{_EDGE}\d{{15}}{_END}")
_MOBILE = re.compile(rf"{_EDGE}(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{{4}}){{2}}{_END}")
_DIGIT_RUN = re.compile(rf"{_EDGE}\d(?:[ -]?\d){{12,18}}{_END}")


class PiiFound(DockingError):
    """A personal number in a report about to be exported: nothing is written."""

    def __init__(self, cell: str, kind: str, masked: str) -> None:
        super().__init__(
            f"refusing to export the report: {cell} holds what looks like a {kind} ({masked}); the report must "
            "hold aggregates only — find where that value came from (a cause, court or institution name typed "
            "with a number in it) and correct it"
        )
        self.cell, self.kind = cell, kind


def luhn(digits: str) -> bool:
    """ISO/IEC 7812 check: double every second digit from the right."""
    total = 0
    for place, char in enumerate(reversed(digits)):
        n = int(char) * (2 if place % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def find(text: str) -> tuple[str, str] | None:
    """(kind, masked value) of the first personal number in `text`, or None."""
    text = text.translate(_FULL_WIDTH)
    for match in _EIGHTEEN.finditer(text):
        for kind, check in (("resident ID", resident_id), ("unified social credit code", social_credit_code)):
            try:
                check(match.group(0))
            except InvalidIdentifier:
                continue
            return kind, mask_document(match.group(0).upper())
    for match in _FIFTEEN.finditer(text):
        if _old_resident_id(match.group(0)):
            return "resident ID (15 digits)", mask_document(match.group(0))
    if (mobile := _MOBILE.search(text)) is not None:
        return "mobile number", mask_phone(mobile.group(0))
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if luhn(digits):
            return "bank card number", digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    return None


def _old_resident_id(number: str) -> bool:
    """A 15-digit GB 11643-1989 number: province, 6-digit area, yymmdd (19yy), 3-digit sequence."""
    if number[:2] not in GB_T_2260_PROVINCES:
        return False
    try:
        date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return True


def cells(report: PublishedReport) -> Iterator[tuple[str, str]]:
    """(where, text) of every text the exports write."""
    yield "the month", str(report.month)
    yield "computed_at", report.computed_at
    for figure in report.figures:
        where = f"figure {figure.key!r}"
        yield f"{where} label", figure.label
        yield f"{where} value", "" if figure.value is None else str(figure.value)
    for table in report.tables:
        yield f"table {table.key!r} title", table.title
        yield f"table {table.key!r} column", table.column
        for place, (label, n) in enumerate(table.rows, start=1):
            yield f"table {table.key!r} row {place} ({table.column})", label
            yield f"table {table.key!r} row {place} count", report.shown(n)


def scan(report: PublishedReport) -> PublishedReport:
    """`report` unchanged if no cell holds a personal number; PiiFound naming the first cell otherwise."""
    for where, text in cells(report):
        found = find(text)
        if found is not None:
            raise PiiFound(where, *found)
    return report
