"""`docking db upgrade`: bring the configured database to the newest schema version."""

import typer

from adapter.cli.output import ConfigOption, console, settings_from
from adapter.db import make_engine
from adapter.schema import upgrade as upgrade_schema

app = typer.Typer(help="The adapter's database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(config: ConfigOption = None) -> None:
    """Apply every schema migration the database lacks (safe to run again; run it before `docking run`)."""
    before, after = upgrade_schema(make_engine(settings_from(config).database_url))
    console.print(f"schema version {before or 'none'} → {after}" if before != after else f"already at {after}")
