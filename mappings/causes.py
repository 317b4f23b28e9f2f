"""The case-cause catalogue (mappings/causes.toml): 2020 catalogue names the centre handles, loaded once."""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mappings.codes import UnknownCode


@dataclass(frozen=True)
class Causes:
    version: str
    names: dict[str, str]  # cause name → where it sits in the catalogue

    def check(self, platform: str, name: str, field: str) -> str:
        """`name` if the catalogue lists it; UnknownCode naming platform, table, field and value otherwise."""
        cleaned = name.strip()
        if cleaned not in self.names:
            raise UnknownCode(platform, "cause", field, name)
        return cleaned


@cache
def causes() -> Causes:
    data = tomllib.loads(resources.files("mappings").joinpath("causes.toml").read_text(encoding="utf-8"))
    return Causes(version=str(data["meta"]["version"]), names={str(k): str(v) for k, v in data["causes"].items()})
