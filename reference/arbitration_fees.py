"""Arbitration fee tables as versioned data (reference/arbitration_fees-<table>.toml): bands of the amount claimed
→ the acceptance fee, read by a commission's rules (adapter/partners/arbitration/rules.py, `fee_table`). A table is
data: a commission's own table, or a new edition, is a new file, never an edit, so a fee computed under one table is
never recomputed under another. Each file says what of it public sources confirm (`status`, its header comment).

    fee_table(name) -> FeeTable   KeyError naming the tables shipped, ValueError naming the file for a malformed one
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

PREFIX = "arbitration_fees-"
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,47}$")  # what may be joined into a file name


@dataclass(frozen=True)
class FeeTable:
    """`bands`: each {"up_to": text or absent (unbounded), "over", "base", "rate"} — decimal text, yuan."""

    table: str
    title: str
    source: str
    status: str  # "confirmed" or "unconfirmed" (the file's header says what)
    bands: tuple[dict[str, str], ...]


def shipped() -> list[str]:
    files = (entry.name for entry in resources.files("reference").iterdir())
    return sorted(
        n.removeprefix(PREFIX).removesuffix(".toml") for n in files if n.startswith(PREFIX) and n.endswith(".toml")
    )


@cache
def fee_table(name: str) -> FeeTable:
    """The shipped table `name` (e.g. "national-1995")."""
    if not _NAME.match(name) or name not in shipped():
        raise KeyError(f"no arbitration fee table {name!r} is shipped (shipped: {', '.join(shipped())})")
    file = f"{PREFIX}{name}.toml"
    data = tomllib.loads(resources.files("reference").joinpath(file).read_text(encoding="utf-8"))
    meta, bands = data.get("meta", {}), data.get("band", [])
    if meta.get("table") != name or not bands:
        raise ValueError(f"{file}: [meta] table must be {name!r} and at least one [[band]] given")
    for index, band in enumerate(bands):
        if not {"over", "base", "rate"} <= set(band) or not all(isinstance(v, str) for v in band.values()):
            raise ValueError(
                f"{file}: band {index + 1} needs over, base and rate (and up_to but for the last), as text"
            )
    return FeeTable(
        name, meta.get("title", ""), meta.get("source", ""), meta.get("status", "unconfirmed"), tuple(bands)
    )
