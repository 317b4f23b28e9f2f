"""`docking db upgrade`: bring the configured database to the newest schema version."""

import typer

from adapter.config.settings import load_settings
from adapter.persistence.engine import open_database
from adapter.persistence.migrate import upgrade as upgrade_schema
from cli.output import ConfigOption, console

app = typer.Typer(help="The adapter's database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(config: ConfigOption = None) -> None:
    """Apply every schema migration the database lacks (safe to run again; run it before `docking run`)."""
    before, after = upgrade_schema(open_database(load_settings(config)))
    console.print(f"schema version {before or 'none'} → {after}" if before != after else f"already at {after}")
