"""`docking mappings check`: compare a platform's published code lists with our tables for it."""

from dataclasses import asdict
from typing import Annotated

import typer

from adapter.config.settings import load_settings
from adapter.errors import InvalidRequest
from adapter.mapping_check import drift
from adapter.platforms.signers import build_signer
from cli.output import ConfigOption, Format, FormatOption, console, render
from schemas.clock import utc_now

app = typer.Typer(help="Code tables and field mappings.", no_args_is_help=True)


@app.command("check")
def check(
    platform: Annotated[str, typer.Option(help="The platform (its name in the configuration).")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Fetch the platform's code lists and report codes it has that we lack, and codes we have that it dropped.

    Exit 1 when there is drift, 0 when the tables agree."""
    from mappings import court_soap, odr_rest
    from scheduler import build_connector

    settings = load_settings(config)
    if platform not in settings.platforms:
        raise InvalidRequest(
            f"no platform {platform!r} in the configuration ({', '.join(settings.platforms) or 'none'})"
        )
    platform_settings = settings.platforms[platform]
    connector = build_connector(
        platform, platform_settings, build_signer(platform_settings.signing, platform=platform), utc_now
    )
    fetch = getattr(connector, "code_lists", None)
    if fetch is None:
        raise InvalidRequest(f"platform {platform!r} ({platform_settings.transport}) publishes no code lists")
    ours = (court_soap if platform_settings.transport == "soap" else odr_rest).tables(platform)
    found = drift(ours, fetch())
    rows = [asdict(d) for d in found]
    render(rows, ["table", "code", "kind"], fmt, title=f"{platform}: code-table drift (ours: {ours.version})")
    if fmt is Format.table:
        console.print("in step" if not found else f"{len(found)} difference(s)")
    if found:
        raise typer.Exit(1)
