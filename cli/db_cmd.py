"""`docking db upgrade`: bring the configured database to the newest schema version."""

import typer

from cli.output import ConfigOption, console
from scheduler import bootstrap

app = typer.Typer(help="The adapter's database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(config: ConfigOption = None) -> None:
    """Apply every schema migration the database lacks (safe to run again; run it before `docking run`)."""
    before, after = bootstrap.upgrade_store(bootstrap.load(config))
    console.print(f"schema version {before or 'none'} → {after}" if before != after else f"already at {after}")
