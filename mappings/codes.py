"""Versioned code tables loaded from a platform's TOML data file; unknown codes raise, never default."""

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from reference.errors import UnknownCode

if TYPE_CHECKING:  # mappings/times.py raises this module's MalformedPayload: import its type only for checking
    from mappings.times import TimestampForm


@dataclass(frozen=True)
class CodeTables:
    """One platform's wire vocabulary: its code tables (from the profile's TOML) and the form its times take
    (from the platform's settings, mappings/times.py)."""

    platform: str
    version: str
    tables: dict[str, dict[str, str]]  # table → platform code → canonical value
    timestamps: "TimestampForm" = "iso8601"

    def to_canonical(self, table: str, code: object, field: str) -> str:
        try:
            return self.tables[table][str(code)]
        except KeyError:
            raise UnknownCode(self.platform, table, field, code) from None

    def from_canonical(self, table: str, value: object, field: str) -> str:
        for code, canonical in self.tables[table].items():
            if canonical == str(value):
                return code
        raise UnknownCode(self.platform, table, field, value)


def load_tables(resource: str, platform: str) -> CodeTables:
    """Load `mappings/<resource>`; a table that maps two codes to one canonical value is a data error."""
    data = tomllib.loads(resources.files("mappings").joinpath(resource).read_text(encoding="utf-8"))
    meta = data.pop("meta")
    tables: dict[str, dict[str, str]] = {}
    for name, table in data.items():
        values = list(table.values())
        if len(set(values)) != len(values):
            raise ValueError(f"{resource}: table {name!r} maps several codes to one canonical value")
        tables[name] = {str(k): str(v) for k, v in table.items()}
    return CodeTables(platform=platform, version=str(meta["version"]), tables=tables)


class MalformedPayload(ValueError):
    """A payload that is not the JSON shape the platform profile promises; names the field path."""
