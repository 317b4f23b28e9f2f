"""The `docking` entry point: the command tree, and the one place errors become messages and exit codes."""

import logging
import sys
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import DatabaseError

from adapter.cli import (
    attest,
    cases,
    centre,
    data_keys,
    db_cmd,
    deadlines_cmd,
    keys,
    mappings_cmd,
    ops,
    reconcile_cmd,
    run_cmd,
    sandbox_cmd,
    wsse_cmd,
)
from adapter.cli.output import err
from adapter.db_errors import condition_of, describe
from adapter.errors import DockingError
from adapter.masking import mask_text
from connectors.port import ConnectorError, CredentialsRefused
from schemas.validation import summarize

app = typer.Typer(
    help="Court–mediation docking adapter (诉调对接): courts' ODR platforms ⇄ the mediation centre.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(cases.app, name="cases")
app.add_typer(ops.outbox_app, name="outbox")
app.add_typer(ops.quarantine_app, name="quarantine")
keys.app.command("data-key")(data_keys.new_data_key)
keys.app.command("rotate-data")(data_keys.rotate_data)
keys.app.command("wsse")(wsse_cmd.wsse)
app.add_typer(keys.app, name="keys")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(centre.app, name="centre")
app.add_typer(db_cmd.app, name="db")
app.add_typer(mappings_cmd.app, name="mappings")
app.command("demo")(run_cmd.demo)
app.command("deadlines")(deadlines_cmd.deadlines)
app.command("run")(run_cmd.run)
app.add_typer(reconcile_cmd.app, name="reconcile")
app.command("sign")(attest.sign)
app.command("verify")(attest.verify)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # max_instances=1 is deliberate: a skipped overlapping run is normal, not worth a warning each time.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "will assume transactional DDL" is not news
    try:
        app()
    except DockingError as exc:
        _fail(str(exc), exc.exit_code)
    except ValidationError as exc:  # e.g. an over-long mediator name given to `docking centre assign`
        _fail(f"invalid input: {summarize(exc)}", 2)
    except CredentialsRefused as exc:  # e.g. `docking reconcile` signed with a key the court was never given
        advice = "give it our public key (`docking keys export-public`) or sign with one it trusts (`keys activate`)"
        _fail(f"{mask_text(str(exc))}; {advice}", 78)  # EX_CONFIG: what we sign with is ours to fix
    except ConnectorError as exc:  # e.g. `docking reconcile` while the court is unreachable
        _fail(f"{mask_text(str(exc))} (the platform may be down; try again later)", 69)  # EX_UNAVAILABLE
    except DatabaseError as exc:  # e.g. a full disk, a write lock held past the busy timeout, the server down
        cause = condition_of(exc)
        if cause is None:  # a constraint or a statement the database refused: a bug, to be seen whole
            raise
        # 75 (EX_TEMPFAIL) or 78 (EX_CONFIG), never 1: `reconcile` exits 1 for "differences remain", and a
        # script must not read a full disk as drift (adapter/db_errors.py).
        _fail(mask_text(describe(exc, cause)), cause.exit_code)
    except ImportError as exc:  # an optional extra the chosen profile needs, e.g. Tongsuo for SM2
        if (exc.name or "").startswith("tongsuopy") or "Tongsuo" in str(exc):
            _fail("SM2 needs Tongsuo, an optional extra: pip install 'court-docking[sm2]'", 78)
        raise


def _fail(message: str, code: int) -> NoReturn:
    # escape: a message such as "add a [platforms.<name>] table" must not be eaten as rich markup
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(code) from None
