"""Drift between a platform's published code lists and the adapter's code tables for it (`docking mappings check`).

missing  the platform publishes a code our table lacks — a message carrying it would be quarantined as unknown_code
extra    our table has a code the platform no longer publishes — we might send what it now refuses
table    a whole table is published that we do not map, or mapped that the platform does not publish
"""

from dataclasses import dataclass

from mappings.codes import CodeTables


@dataclass(frozen=True)
class Drift:
    table: str
    code: str
    kind: str  # missing | extra | table_missing | table_extra


def drift(ours: CodeTables, published: dict[str, list[str]]) -> list[Drift]:
    found: list[Drift] = []
    for table in sorted(set(published) | set(ours.tables)):
        if table not in ours.tables:
            found.append(Drift(table, "", "table_missing"))
            continue
        if table not in published:
            found.append(Drift(table, "", "table_extra"))
            continue
        theirs, mine = set(published[table]), set(ours.tables[table])
        found += [Drift(table, code, "missing") for code in sorted(theirs - mine)]
        found += [Drift(table, code, "extra") for code in sorted(mine - theirs)]
    return found
