"""The `docking` entry point: the command tree, and the one place errors become messages and exit codes."""

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import DatabaseError

from adapter.errors import DockingError
from adapter.masking import mask_text
from adapter.persistence.diagnosis import condition_of, describe
from cli import logs
from cli.lazy import LazyGroup
from cli.output import err
from connectors.port import ConnectorError, CredentialsRefused
from schemas.validation import summarize
from signing.errors import MissingExtra
from signing.keyfiles import KeyFileError

app = typer.Typer(
    help="Court–mediation docking adapter (诉调对接): courts' ODR platforms ⇄ the mediation centre.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=LazyGroup,  # each command's module is imported when that command runs (cli/lazy.py)
)


def _version(asked: bool) -> None:
    """`docking --version`: the installed distribution's version (what an operator quotes in a report)."""
    if asked:
        from importlib.metadata import version

        print(f"docking (court-docking) {version('court-docking')}")
        raise typer.Exit()


@app.callback()
def root(
    log_level: Annotated[
        str | None,
        typer.Option(
            envvar="DOCKING_LOG_LEVEL",
            help="DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO; `docking demo` on a terminal: WARNING).",
        ),
    ] = None,
    log_format: Annotated[
        str, typer.Option(envvar="DOCKING_LOG_FORMAT", help="json, console, or auto (console on a terminal).")
    ] = "auto",
    log_file: Annotated[
        Path | None,
        typer.Option(envvar="DOCKING_LOG_FILE", help="Append the log here instead of stderr.", dir_okay=False),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_version, help="Print the installed version and exit."),
    ] = False,
) -> None:
    """Court–mediation docking adapter (诉调对接): courts' ODR platforms ⇄ the mediation centre."""
    if log_level is not None and log_level.upper() not in logs.LEVELS:
        raise typer.BadParameter(f"{log_level!r}: use one of {', '.join(logs.LEVELS)}", param_hint="--log-level")
    logs.LEVEL_CHOSEN = log_level is not None
    if log_format not in ("auto", "json", "console"):
        raise typer.BadParameter(f"{log_format!r}: use json, console or auto", param_hint="--log-format")
    try:
        logs.configure(log_level or "INFO", log_format, log_file)  # type: ignore[arg-type]
    except OSError as exc:
        raise typer.BadParameter(f"{log_file}: cannot be opened ({exc.strerror})", param_hint="--log-file") from None


def main() -> None:
    logs.configure()  # until the options are read (a bad one is said in this shape too)
    try:
        app()
    except DockingError as exc:
        _fail(str(exc), exc.exit_code)
    except ValidationError as exc:  # e.g. an over-long mediator name given to `docking centre assign`
        _fail(f"invalid input: {summarize(exc)}", 2)
    except CredentialsRefused as exc:  # e.g. `docking reconcile` signed with a key the court was never given
        _fail(f"{mask_text(str(exc))}; {exc.advice}", 78)  # EX_CONFIG: what we sign with is ours to fix
    except ConnectorError as exc:
        # Unreachable (refused, timed out, a name that does not resolve, a certificate that does not verify) is
        # 69 EX_UNAVAILABLE; a court's refusal of the request is 2, like any refused request. The advice says
        # whether waiting will help ("try again later") or what to check instead.
        _fail(f"{mask_text(str(exc))} ({exc.advice})", 69 if exc.retryable else 2)
    except DatabaseError as exc:  # e.g. a full disk, a write lock held past the busy timeout, the server down
        cause = condition_of(exc)
        if cause is None:  # a constraint or a statement the database refused: a bug, to be seen whole
            raise
        # 75 (EX_TEMPFAIL) or 78 (EX_CONFIG), never 1: `reconcile` exits 1 for "differences remain", and a
        # script must not read a full disk as drift (adapter/persistence/diagnosis.py).
        _fail(mask_text(describe(exc, cause)), cause.exit_code)
    except KeyFileError as exc:  # worded where it is raised (signing/keyfiles.py): a refused request, as it is
        _fail(str(exc), 2)
    except MissingExtra as exc:  # an optional extra the chosen profile needs (Tongsuo for SM2): ours to install
        _fail(str(exc), 78)


def _fail(message: str, code: int) -> NoReturn:
    # escape: a message such as "add a [platforms.<name>] table" must not be eaten as rich markup
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(code) from None
