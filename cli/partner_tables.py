"""`docking partners list` and `show` as tables a person reads at 80 columns (issue 19): the list keeps the columns
an operator acts on — the record id whole (never wrapped: it is copied into the next command), its kind, partner,
status and when it last changed — and `--format json|csv` keeps every field (adapter/partners/views.py
LIST_COLUMNS); `show` prints the masked facts as an indented key/value table, their times in China time ("CST",
schemas/fact_times.py), not as one JSON blob."""

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from cli.output import Format, console, scalar
from schemas.fact_times import facts_in_china_time

# The table's few columns; `updated_at` shown to the minute, China time (the CST label in the heading).
TABLE_COLUMNS = ("record_id", "kind", "partner", "status", "updated_at")


def list_table(rows: Sequence[Mapping[str, Any]], title: str) -> None:
    """Rows of views.listed as the narrow table: the id never wrapped, the rest folded if they must be."""
    table = Table(title=title)
    table.add_column("record_id", no_wrap=True, min_width=len("record_id"))
    for column in ("kind", "partner", "status"):
        table.add_column(column, overflow="fold")
    table.add_column("updated (CST)", overflow="fold")
    for row in rows:
        updated = str(scalar(row.get("updated_at"), Format.table) or "")[:16]  # "2026-12-01 10:15" (CST)
        table.add_row(*(Text(str(row.get(c) or "")) for c in TABLE_COLUMNS[:-1]), Text(updated))
    console.print(table)


def fact_rows(facts: Any, depth: int = 0) -> list[tuple[str, str]]:
    """(key, value) pairs of a facts tree, nested keys indented two spaces a level, list items as "[n]"; a mapping
    or list is a key with an empty value above its members. Times as facts_in_china_time shows them."""
    rows: list[tuple[str, str]] = []
    items = facts.items() if isinstance(facts, Mapping) else enumerate(facts) if isinstance(facts, list) else []
    for key, value in items:
        label = "  " * depth + (f"[{key}]" if isinstance(key, int) else str(key))
        if isinstance(value, Mapping | list) and value:
            rows.append((label, ""))
            rows.extend(fact_rows(value, depth + 1))
        else:
            rows.append((label, "" if value is None else str(scalar(value, Format.table))))
    return rows


def facts_table(facts: Any, title: str = "facts (masked; times in CST)") -> None:
    """The masked facts (views.shown has masked them) as an indented key/value table."""
    table = Table(title=title, show_header=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in fact_rows(facts_in_china_time(facts)):
        table.add_row(Text(key), Text(value))
    console.print(table)
