"""`docking keys data-key` and `docking keys rotate-data`: the keys that seal personal data at rest."""

import base64
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapter import heartbeats
from adapter.complaints import blind_index
from adapter.errors import InvalidRequest
from adapter.partners import match
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.reseal import count_rows, reseal
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.vault import KEY_ID, VaultError, new_key
from cli.output import ConfigOption, Format, FormatOption, console, err, render
from scheduler import bootstrap
from schemas.clock import utc_now
from signing.keyfiles import write_secret


def new_data_key(
    key_id: Annotated[str, typer.Option("--key-id", help="The key's id, e.g. pii-2026-11 (stored with every value).")],
    out: Annotated[Path, typer.Option("--out", help="Write the base64 key to this file (mode 0600).", dir_okay=False)],
    algorithm: Annotated[str, typer.Option(help="aes-256-gcm, or sm4-gcm (commercial cryptography).")] = "aes-256-gcm",
) -> None:
    """Create a data key for field-level encryption of ID and phone numbers; prints the config to add."""
    if algorithm not in ("aes-256-gcm", "sm4-gcm"):
        raise InvalidRequest(f"--algorithm {algorithm!r} is not aes-256-gcm or sm4-gcm")
    if not KEY_ID.match(key_id):
        raise InvalidRequest(f"--key-id {key_id!r} must be 1–32 of letters, digits, '_', '.', '-'")
    if out.exists():
        raise InvalidRequest(f"{out} already exists; a data key is never overwritten (data sealed with it is lost)")
    key = new_key(key_id, algorithm)  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_secret(out, base64.b64encode(key.key) + b"\n")
    console.print(
        f"data key {key_id} ({algorithm}) written to {out}. Add to the configuration, then make it active:\n\n"
        f'[encryption.keys.{key_id}]\nalgorithm = "{algorithm}"\nkey_file = "{out}"\n',
        highlight=False,
        markup=False,
    )


def rotate_data(
    config: ConfigOption = None,
    batch: Annotated[int, typer.Option(min=1, max=10000, help="Rows per transaction.")] = 500,
    fmt: FormatOption = Format.table,
    force: Annotated[
        bool, typer.Option("--force", help="Re-seal even though a running process lacks the active key.")
    ] = False,
) -> None:
    """Re-seal every stored ID and phone number with the active data key (and seal any stored in clear).

    First add the new key everywhere and restart, then make it active everywhere and restart; then this may run
    while `docking run` works. Refused while a running `docking run` does not hold the active key (it could then
    open nothing). When a second run reports nothing rewritten, the old key may be removed. On PostgreSQL, run
    VACUUM afterwards so old row versions are reclaimed.
    """
    uow = bootstrap.open_store(bootstrap.load(config))
    _check_running_processes(uow, force=force)
    total = count_rows(uow)
    with Progress(
        TextColumn("[bold]rows checked"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    ) as bar:
        task = bar.add_task("reseal", total=total)
        report = reseal(uow, batch=batch, progress=lambda n: bar.advance(task, n))
    # The complainants' blind index is keyed by the data key too (adapter/complaints/blind_index.py): re-keyed here
    # so complaints keep being found as repeats once the old key is retired. Said on stderr: the table is the report.
    rekeyed, _ = blind_index.reindex(uow)
    if rekeyed:
        err.print(f"complainant blind index re-keyed for {rekeyed} complaint(s)", highlight=False, markup=False)
    matched, _ = match.reindex(uow)  # the partner records' match key likewise (adapter/partners/match.py)
    if matched:
        err.print(f"partner match key re-keyed for {matched} record(s)", highlight=False, markup=False)
    rows = [
        {"table": t, "checked": n, "rewritten": report.rewritten[t], "unreadable": report.unreadable[t]}
        for t, n in report.checked.items()
    ]
    render(
        rows, ["table", "checked", "rewritten", "unreadable"], fmt, title="personal data re-sealed with the active key"
    )
    if any(report.unreadable.values()):
        err.print(
            "some rows do not open with the configured data keys (logged above, by id): add the key they name "
            "back to [encryption.keys] and run this again before removing any key",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)


def _check_running_processes(uow: UnitOfWork, *, force: bool) -> None:
    """Refuse (unless --force) while a live `docking run` lacks the key about to seal everything; warn about one
    that holds it but still seals new data with another (adapter/heartbeats.py)."""
    vault = engine_vault(uow.engine)
    if vault is None:
        raise VaultError("no [encryption] keys are configured: there is nothing to seal with")
    kid = vault.active.kid
    beats = heartbeats.live(uow, utc_now())
    for process in heartbeats.sealing_with_other(beats, kid):
        warning = (
            f"running process {process.name} holds data key {kid} but seals new data with "
            f"{process.active_key or 'no key'}: make {kid} active there and restart it, then run "
            "`docking keys rotate-data` again to re-seal what it wrote meanwhile"
        )
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    blind = heartbeats.lacking(beats, kid)
    if not blind:
        return
    names = ", ".join(f"{p.name} (holds {', '.join(sorted(p.data_keys)) or 'no data keys'})" for p in blind)
    one = len(blind) == 1
    what = (
        f"running process{'' if one else 'es'} {names} {'does' if one else 'do'} not hold data key {kid}: once "
        f"stored data is re-sealed with it, {'it' if one else 'they'} can open no case, message or document"
    )
    if not force:
        raise InvalidRequest(
            f"refusing to re-seal: {what}. Add [encryption.keys.{kid}] to the configuration and restart "
            f"{'it' if one else 'them'} "
            "(a stopped process's heartbeat is withdrawn at once; a killed one's expires after "
            f"{heartbeats.STALE_AFTER} × {int(heartbeats.PERIOD.total_seconds())} s), then run this again; "
            "--force re-seals anyway"
        )
    err.print(
        f"[red]WARNING[/red]: --force: re-sealing although {what}; restart {'it' if one else 'them'} with the key now",
        highlight=False,
    )
