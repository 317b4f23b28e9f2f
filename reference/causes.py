"""The case-cause catalogue (reference/causes.toml): 2020 catalogue names the centre handles, loaded once and checked
as data — every ancestor a cause names must itself be listed, so a court that sends the parent cause (借款合同纠纷
rather than 金融借款合同纠纷) is understood as well as one that sends the child [S30]."""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from reference.errors import UnknownCode

SEPARATOR = " › "
# The eleven parts (第一部分 … 第十一部分) of 民事案件案由规定 (法〔2020〕347号): the first step of every path.
PARTS = (
    "人格权纠纷",
    "婚姻家庭、继承纠纷",
    "物权纠纷",
    "合同、准合同纠纷",
    "知识产权与竞争纠纷",
    "劳动争议、人事争议",
    "海事海商纠纷",
    "与公司、证券、保险、票据等有关的民事纠纷",
    "侵权责任纠纷",
    "非讼程序案件案由",
    "特殊诉讼程序案件案由",
)


class CauseCatalogueError(ValueError):
    """The shipped cause catalogue breaks one of its own rules; the message names the entry."""


@dataclass(frozen=True)
class Causes:
    version: str
    names: dict[str, str]  # cause name → where it sits in the catalogue: part › ancestor causes
    source: str = ""

    def check(self, platform: str, name: str, field: str) -> str:
        """`name` if the catalogue lists it; UnknownCode naming platform, table, field and value otherwise."""
        cleaned = name.strip()
        if cleaned not in self.names:
            raise UnknownCode(platform, "cause", field, name)
        return cleaned


@cache
def causes() -> Causes:
    return parse(resources.files("reference").joinpath("causes.toml").read_text(encoding="utf-8"))


def parse(text: str) -> Causes:
    data = tomllib.loads(text)
    meta = data.get("meta", {})
    if not meta.get("version") or not meta.get("source"):
        raise CauseCatalogueError("the cause catalogue needs [meta] version and source")
    names = {str(k): str(v) for k, v in data.get("causes", {}).items()}
    for name, path in names.items():
        part, *ancestors = path.split(SEPARATOR)
        if part not in PARTS:
            raise CauseCatalogueError(f"cause {name}: {part!r} is not a part of the 2020 catalogue")
        missing = [a for a in ancestors if a not in names]
        if missing:
            raise CauseCatalogueError(f"cause {name}: its parent {missing[0]} is not listed")
    return Causes(version=str(meta["version"]), names=names, source=str(meta["source"]))
