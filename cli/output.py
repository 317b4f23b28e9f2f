"""Rendering rows for people (a rich table) or scripts (--format json|csv), and the shared CLI options.

One convention for values, whatever the command: a time is China time, labelled ("2026-11-30 18:44:05 CST" in a
table, ISO 8601 with +08:00 in JSON and CSV); a boolean is true/false in CSV as in JSON. Commands pass datetimes
and booleans as they are and let `render` write them.
"""

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from adapter.errors import InvalidRequest
from schemas.clock import china_iso, china_text

console = Console()
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="DOCKING_CONFIG",
        help="TOML configuration file (or $DOCKING_CONFIG).",
        dir_okay=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def nothing_configured(config: Path | None) -> str:
    """Why a worker has nothing to do, for its error: no platform, desk or partner in the settings — and, when no
    configuration file was named at all (a file in the working folder is never read unless named), that first."""
    if config is not None:
        return (
            f"no platforms, desks or partners configured in {config}: add a [platforms.<name>], [desks.<name>] or"
            " [partners.<name>] table (see README, Configuration)"
        )
    here = " (there is a docking.toml here: add -c docking.toml)" if Path("docking.toml").is_file() else ""
    return (
        "no configuration file given: name one with --config FILE or $DOCKING_CONFIG" + here + "; without one only"
        " DOCKING_* variables are read, and they configure no platform, desk or partner"
    )


def scalar(value: Any, fmt: Format) -> Any:
    """One value as `fmt` writes it (see the module docstring)."""
    if isinstance(value, datetime):
        return china_text(value) if fmt is Format.table else china_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) and fmt is not Format.json:
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return {k: scalar(v, fmt) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scalar(v, fmt) for v in value]
    return value


def refuse_csv(fmt: Format, command: str, why: str = "prints one record") -> None:
    """InvalidRequest (exit 2) for --format csv where the answer is no table of rows (one record, several parts):
    before anything is opened, naming the formats the command takes — not JSON printed under the name of CSV."""
    if fmt is Format.csv:
        raise InvalidRequest(f"{command} {why}; use --format table or --format json")


def print_object(obj: Mapping[str, Any]) -> None:
    """One JSON object on stdout (`show` commands: one thing, not a list of one)."""
    print(json.dumps(scalar(obj, Format.json), ensure_ascii=False, default=str))


def render(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: Format, title: str = "", limit: int | None = None
) -> None:
    rows = [{k: scalar(v, fmt) for k, v in row.items()} for row in rows]
    if fmt is Format.json:
        print(json.dumps(list(rows), ensure_ascii=False, default=str))
        return
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        print(buffer.getvalue(), end="")
        return
    table = Table(title=title or None)
    for column in columns:
        table.add_column(column, overflow="fold")  # never cut an id the operator needs to copy
    for row in rows:
        table.add_row(*(Text("" if row.get(c) is None else str(row.get(c))) for c in columns))  # data, not markup
    console.print(table)
    if limit is not None and len(rows) >= limit:
        err.print(f"showing the newest {limit}; --limit N shows more")


def render_record(record: Mapping[str, Any], title: str) -> None:
    """One record as a table of fields and values: a row of a dozen columns would fold every value unreadably."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in record.items():
        shown = scalar(value, Format.table)
        table.add_row(key, Text("" if shown is None else str(shown)))  # "[desks.x]" in a value is text, not markup
    console.print(table)
