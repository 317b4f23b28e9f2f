"""`docking mappings check`: compare a platform's published code lists with our tables for it."""

from dataclasses import asdict
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from adapter.mapping_check import drift
from cli.output import ConfigOption, Format, FormatOption, console, render
from connectors.port import PublishesCodeLists
from scheduler import bootstrap

app = typer.Typer(help="Code tables and field mappings.", no_args_is_help=True)


@app.command("check")
def check(
    platform: Annotated[str, typer.Option(help="The platform (its name in the configuration).")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Fetch the platform's code lists and report codes it has that we lack, and codes we have that it dropped.

    Exit 1 when there is drift, 0 when the tables agree."""
    connector = bootstrap.connector(bootstrap.load(config), platform)
    if not isinstance(connector, PublishesCodeLists):
        raise InvalidRequest(f"platform {platform!r} ({connector.transport}) publishes no code lists")
    ours = connector.code_tables()
    found = drift(ours, connector.code_lists())
    rows = [asdict(d) for d in found]
    render(rows, ["table", "code", "kind"], fmt, title=f"{platform}: code-table drift (ours: {ours.version})")
    if fmt is Format.table:
        console.print("in step" if not found else f"{len(found)} difference(s)")
    if found:
        raise typer.Exit(1)
