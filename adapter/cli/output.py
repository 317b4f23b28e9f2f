"""Rendering rows for people (a rich table) or scripts (--format json|csv), and the shared CLI options."""

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from adapter.db import UnitOfWork, create_schema, open_database
from adapter.settings import load_settings

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


def open_uow(config: Path | None) -> UnitOfWork:
    """The existing database of the configured adapter, without contacting any platform."""
    engine = open_database(load_settings(config), must_exist=True)
    create_schema(engine)
    return UnitOfWork(engine)


def render(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: Format, title: str = "", limit: int | None = None
) -> None:
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
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)
    if limit is not None and len(rows) >= limit:
        err.print(f"showing the newest {limit}; --limit N shows more")
