"""The traffic platform's code tables as versioned data (reference/traffic_tables/<table>-<version>.toml): the
claim heads (赔偿项目, partners.md §2) and the mediation failure codes 2–8 with their advice — loaded by version,
checked as data, used to check a claim's head and an outcome's failure code.

A table is data: a new version is a new file, never an edit, so a head read under one version is never re-read
under another (the partner's rules name the version in use: TrafficRules.claim_heads_version).

    TrafficCodeError (ValueError)   field, value, table, version, rule:
        rule "code_table"           no such table (or version of it) is shipped
        rule "unknown_head"         the claim head is not in the table version
        rule "unknown_failure_code" the failure code is not in the table version
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

FOLDER = "traffic_tables"
CATEGORIES = ("medical", "death_disability", "property")  # the 交强险 sub-limit groups
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.]{0,15}$")
_TABLES = ("claim_heads", "failure_codes")


class TrafficCodeError(ValueError):
    """A code a table refuses: `field` (the input, e.g. "claims[2].head"), `value`, the table and version, `rule`."""

    def __init__(self, message: str, *, field: str, value: str, table: str, version: str, rule: str) -> None:
        super().__init__(message)
        self.field, self.value, self.table, self.version, self.rule = field, value, table, version, rule


@dataclass(frozen=True)
class Head:
    code: str
    name: str
    category: str  # one of CATEGORIES


@dataclass(frozen=True)
class FailureCode:
    code: int
    name: str
    litigation: bool  # the parties are advised to sue on the same data
    advice: str


@dataclass(frozen=True)
class TrafficTable:
    table: str
    version: str
    title: str
    source: str
    status: str  # "confirmed", "unconfirmed" or "inference" (the file's header says what)
    entries: dict[str, dict[str, object]]

    @property
    def label(self) -> str:
        return f"{self.table} version {self.version}"


def load(table: str, version: str) -> TrafficTable:
    """The shipped `table` at `version`; TrafficCodeError (rule "code_table") naming what is shipped otherwise."""
    found = _load(table, version) if table in _TABLES and _VERSION.match(version) else None
    if found is None:
        files = (entry.name for entry in _folder().iterdir())
        shipped = ", ".join(sorted(name.removesuffix(".toml") for name in files if name.endswith(".toml")))
        raise TrafficCodeError(
            f"no code table {table!r} version {version!r} is shipped (shipped: {shipped}); rule code_table",
            field="table",
            value=f"{table}/{version}",
            table=table,
            version=version,
            rule="code_table",
        )
    return found


def head(code: str, version: str, *, field: str = "head") -> Head:
    """The claim head `code` in the claim-head table `version`, or TrafficCodeError (rule "unknown_head") naming the
    field, the code and the table version."""
    table = load("claim_heads", version)
    entry = table.entries.get(code)
    if entry is None:
        raise TrafficCodeError(
            f"{field}: claim head {code!r} is not in {table.label} (known: {', '.join(table.entries)}); "
            "rule unknown_head",
            field=field,
            value=code,
            table=table.table,
            version=version,
            rule="unknown_head",
        )
    return Head(code, str(entry["name"]), str(entry["category"]))


def failure(code: int, version: str, *, field: str = "failure_code") -> FailureCode:
    """The failure code's reason and advice, or TrafficCodeError (rule "unknown_failure_code")."""
    table = load("failure_codes", version)
    entry = table.entries.get(str(code))
    if entry is None:
        raise TrafficCodeError(
            f"{field}: failure code {code} is not in {table.label}; rule unknown_failure_code",
            field=field,
            value=str(code),
            table=table.table,
            version=version,
            rule="unknown_failure_code",
        )
    return FailureCode(code, str(entry["name"]), bool(entry["litigation"]), str(entry["advice"]))


def _folder() -> Traversable:
    return resources.files("reference").joinpath(FOLDER)


@cache
def _load(table: str, version: str) -> TrafficTable | None:
    entry = _folder().joinpath(f"{table}-{version}.toml")
    if not entry.is_file():
        return None
    return parse(entry.read_text(encoding="utf-8"), f"{table}-{version}.toml")


def parse(text: str, filename: str) -> TrafficTable:
    """A table file checked as data: ValueError naming the file and entry when it breaks its own rules."""
    data = tomllib.loads(text)
    meta = data.get("meta", {})
    table = str(meta.get("table", ""))
    key = "heads" if table == "claim_heads" else "codes"
    entries = data.get(key)
    if table not in _TABLES or not isinstance(entries, dict) or not entries:
        raise ValueError(f"{filename}: [meta] table must be one of {_TABLES} with a non-empty [{key}]")
    for code, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ValueError(f"{filename}: {key}.{code} has no name")
        if table == "claim_heads" and entry.get("category") not in CATEGORIES:
            raise ValueError(f"{filename}: heads.{code} category must be one of {CATEGORIES}")
        if table == "failure_codes" and not (code.isdigit() and 2 <= int(code) <= 8 and "advice" in entry):
            raise ValueError(f"{filename}: codes.{code} must be 2–8 with its advice (partners.md §2)")
    return TrafficTable(
        table=table,
        version=str(meta.get("version", "")),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        status=str(meta.get("status", "")),
        entries=entries,
    )
