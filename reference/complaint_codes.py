"""Complaint classification code tables (reference/complaint_tables/<table>-<version>.toml): JR/T 0169-2018 for
banks, the regulator's categories for insurers (partners.md §1 "Data") — loaded by (table, version), checked as
data, and used to check a complaint's business and cause codes.

A table is data: a new version is a new file, never an edit, so a code read under one version is never re-read under
another (schemas/complaint.Classification records both). Codes are hierarchical: a letter per dimension, then a
fixed number of digits per level (`levels`); every code's parent must be listed, and an all-9 segment ("other",
99 / 9) must be named 其他…. Each file says what of it public sources confirm (`status`, its header comment).

    ClassificationError (ValueError)   field, value, table, version, rule:
        rule "code_table"              the table (or that version of it) is not shipped
        rule "institution_kind"        a bank complaint classified with an insurer table, or the reverse
        rule "unknown_code"            the business or cause code is not in the table
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from schemas.complaint import Classification, InstitutionKind

FOLDER = "complaint_tables"
SEPARATOR = " › "
DIMENSIONS = ("channel", "business", "cause")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")  # table names: what may be joined into a file name
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.]{0,15}$")


class CodeTableError(ValueError):
    """A shipped code table breaks one of its own rules; the message names the file and the entry."""


class ClassificationError(ValueError):
    """A classification a code table refuses: `field` ("classification.business", "classification.cause",
    "classification.table"), `value` (the code or table), the table and version, and the `rule` broken."""

    def __init__(self, message: str, *, field: str, value: str, table: str, version: str, rule: str) -> None:
        super().__init__(message)
        self.field, self.value, self.table, self.version, self.rule = field, value, table, version, rule


@dataclass(frozen=True)
class CodeTable:
    """One version of one table: `codes[dimension][code]` is the code's own name; `status` is "confirmed" or
    "unconfirmed" (then the file's header says what is confirmed)."""

    table: str
    version: str
    institution_kind: InstitutionKind
    title: str
    source: str
    status: str
    levels: tuple[int, ...]
    prefixes: dict[str, str]
    codes: dict[str, dict[str, str]]

    @property
    def label(self) -> str:
        return f"{self.table} version {self.version}"

    def knows(self, dimension: str, code: str) -> bool:
        return code in self.codes.get(dimension, {})

    def parent(self, code: str) -> str | None:
        """The code one level up, or None for a top-level code (`B0302` → `B03`)."""
        digits = len(code) - 1
        cut = 0
        for width in self.levels:
            if cut + width >= digits:
                break
            cut += width
        return code[: 1 + cut] if cut else None

    def describe(self, dimension: str, code: str) -> str:
        """The code's name with its ancestors', `银行卡类 › 信用卡`; KeyError if the table does not list it."""
        names = self.codes[dimension]
        path = [names[code]]
        above = self.parent(code)
        while above is not None:
            path.insert(0, names[above])
            above = self.parent(above)
        return SEPARATOR.join(path)


@dataclass(frozen=True)
class Described:
    """A classification for display: the table's title and version, and the business and cause paths."""

    table: str
    business: str
    cause: str


def load(table: str, version: str) -> CodeTable:
    """The shipped table `table` at `version`; ClassificationError (rule "code_table") if there is none."""
    found = _load(table, version) if _NAME.match(table) and _VERSION.match(version) else None
    if found is None:
        shipped = ", ".join(f"{t.table}/{t.version}" for t in shipped_tables()) or "none"
        raise ClassificationError(
            f"classification.table: no code table {table!r} version {version!r} is shipped (shipped: {shipped}); "
            "rule code_table",
            field="classification.table",
            value=f"{table}/{version}",
            table=table,
            version=version,
            rule="code_table",
        )
    return found


@cache
def _load(table: str, version: str) -> CodeTable | None:
    entry = resources.files("reference").joinpath(FOLDER, f"{table}-{version}.toml")
    if not entry.is_file():
        return None
    return parse(entry.read_text(encoding="utf-8"), f"{table}-{version}.toml")


@cache
def shipped_tables() -> tuple[CodeTable, ...]:
    """Every shipped table, by file name."""
    folder = resources.files("reference").joinpath(FOLDER)
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.append(parse(entry.read_text(encoding="utf-8"), entry.name))
    return tuple(found)


def check(classification: Classification, institution_kind: InstitutionKind) -> None:
    """None if the classification's table is shipped, is meant for `institution_kind` (JR/T 0169 for banks, the
    regulator's categories for insurers — partners.md §1) and lists its business and cause codes; else
    ClassificationError naming the field, the code, and the table and version."""
    codes = load(classification.table, classification.version)
    if codes.institution_kind is not institution_kind:
        raise ClassificationError(
            f"classification.table: {codes.label} classifies {codes.institution_kind.value} complaints, and this "
            f"complaint is about a {institution_kind.value}; classify it with a {institution_kind.value} table "
            f"({_tables_for(institution_kind)}); rule institution_kind",
            field="classification.table",
            value=classification.table,
            table=codes.table,
            version=codes.version,
            rule="institution_kind",
        )
    for dimension, code in (("business", classification.business), ("cause", classification.cause)):
        if not codes.knows(dimension, code):
            raise ClassificationError(
                f"classification.{dimension}: {dimension} code {code!r} is not in {codes.label} "
                f"({codes.title}); rule unknown_code",
                field=f"classification.{dimension}",
                value=code,
                table=codes.table,
                version=codes.version,
                rule="unknown_code",
            )


def describe(classification: Classification) -> Described:
    """Names for display; ClassificationError as `check` if the table or a code is unknown."""
    codes = load(classification.table, classification.version)
    check(classification, codes.institution_kind)
    return Described(
        table=f"{codes.title} ({codes.label})",
        business=codes.describe("business", classification.business),
        cause=codes.describe("cause", classification.cause),
    )


def _tables_for(kind: InstitutionKind) -> str:
    return ", ".join(f"{t.table}/{t.version}" for t in shipped_tables() if t.institution_kind is kind) or "none"


def parse(text: str, filename: str) -> CodeTable:
    """A table from its TOML text; CodeTableError naming the file and entry if it breaks a rule of its own."""
    data = tomllib.loads(text)
    meta = data.get("meta", {})
    for key in ("table", "version", "institution_kind", "title", "source", "status", "levels", "prefixes"):
        if key not in meta:
            raise CodeTableError(f"{filename}: [meta] needs {key}")
    table, version = str(meta["table"]), str(meta["version"])
    if filename != f"{table}-{version}.toml":  # one file per version: the name is the (table, version) it holds
        raise CodeTableError(f"{filename}: holds {table} version {version}, so must be named {table}-{version}.toml")
    if meta["status"] not in ("confirmed", "unconfirmed"):
        raise CodeTableError(f"{filename}: status must be confirmed or unconfirmed, not {meta['status']!r}")
    levels = tuple(int(n) for n in meta["levels"])
    prefixes = {str(k): str(v) for k, v in meta["prefixes"].items()}
    codes: dict[str, dict[str, str]] = {}
    for dimension, letter in prefixes.items():
        if dimension not in DIMENSIONS:
            raise CodeTableError(f"{filename}: unknown dimension {dimension!r} (known: {', '.join(DIMENSIONS)})")
        if not (len(letter) == 1 and letter.isascii() and letter.isupper()):
            raise CodeTableError(
                f"{filename}: dimension {dimension}'s prefix must be one capital letter, not {letter!r}"
            )
        codes[dimension] = {str(k): str(v) for k, v in data.get(dimension, {}).items()}
    result = CodeTable(
        table=table,
        version=version,
        institution_kind=InstitutionKind(meta["institution_kind"]),
        title=str(meta["title"]),
        source=str(meta["source"]),
        status=str(meta["status"]),
        levels=levels,
        prefixes=prefixes,
        codes=codes,
    )
    for dimension, names in codes.items():
        for code, name in names.items():
            _check_entry(result, filename, dimension, code, name)
    return result


def _check_entry(codes: CodeTable, filename: str, dimension: str, code: str, name: str) -> None:
    letter = codes.prefixes[dimension]
    widths = [sum(codes.levels[: i + 1]) for i in range(len(codes.levels))]
    digits = code[1:]
    if code[:1] != letter or not digits.isdigit() or len(digits) not in widths:
        raise CodeTableError(
            f"{filename}: {dimension} code {code!r} is not {letter} followed by {' or '.join(map(str, widths))} digits"
        )
    above = codes.parent(code)
    if above is not None and above not in codes.codes[dimension]:
        raise CodeTableError(f"{filename}: {dimension} code {code}: its parent {above} is not listed")
    last = digits[len(above) - 1 :] if above else digits
    if set(last) == {"9"} and "其他" not in name:
        raise CodeTableError(f"{filename}: {dimension} code {code} is an 'other' code (99 / 9) but named {name!r}")
