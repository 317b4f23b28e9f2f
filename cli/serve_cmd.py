"""`docking serve`: the HTTP API (api/), with the jobs of `docking run` in the same process by default."""

from typing import Annotated

import typer

from adapter.config.settings import load_settings
from adapter.errors import ConfigError
from adapter.persistence.sqlite_file import check_worker_database
from cli.output import ConfigOption, nothing_configured


def serve(
    config: ConfigOption = None,
    jobs: Annotated[
        bool, typer.Option("--jobs/--no-jobs", help="Also run the jobs of `docking run` (default; SQLite needs it).")
    ] = True,
    host: Annotated[str | None, typer.Option(help="Bind address (default: the \\[api] host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port (default: the \\[api] port, 8750).")] = None,
) -> None:
    """Serve the HTTP API (and, unless --no-jobs, poll and deliver as `docking run`); stops cleanly on SIGTERM."""
    from api.server import serve as run_server  # fastapi and uvicorn load only for this command

    settings = load_settings(config)
    if jobs and not settings.platforms and not settings.desks and not settings.partners:
        raise ConfigError(nothing_configured(config))
    check_worker_database(settings.database_url)
    run_server(settings, jobs=jobs, host=host, port=port)
