"""`docking evidence export|verify`: a case's evidence bundle (adapter/evidence/), checked offline."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.evidence import bundle
from adapter.evidence.check import FAIL
from cli.output import ConfigOption, Format, FormatOption, print_object, refuse_csv, render
from scheduler import bootstrap
from schemas.clock import utc_now

app = typer.Typer(help="A case's evidence bundle: export it, verify it offline with public keys only.",
                  no_args_is_help=True)  # fmt: skip


@app.command("export")
def export(
    case: Annotated[str, typer.Argument(help="The adapter's case id (`docking cases list`).", metavar="CASE")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The bundle file (default: evidence-CASE.tar).", dir_okay=False)
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Write one tar holding the case's messages as exchanged (with their signatures), the court's answers, its
    documents, its history, its audit entries with inclusion proofs in signed checkpoints (one is signed now if
    needed), the public keys and a manifest of SHA-256 digests."""
    refuse_csv(fmt, "evidence export")
    settings = bootstrap.load(config)
    target = out or Path(f"evidence-{case}.tar")
    if target.parent and not target.parent.is_dir():
        raise typer.BadParameter(f"folder {target.parent} does not exist", param_hint="--out")
    done = bundle.export(settings, bootstrap.open_store(settings), case, target, utc_now())
    record = {"bundle": str(done.path), "case": done.case_id, "files": done.files, "bytes": done.bytes,
              "messages": done.messages, "audit_entries": done.entries}  # fmt: skip
    if fmt is Format.table:
        typer.echo(f"evidence bundle {done.path}: case {done.case_id}, {done.messages} message(s), "
                   f"{done.entries} audit entries with proofs, {done.files} files, {done.bytes} bytes")  # fmt: skip
    else:
        print_object(record)


@app.command("verify")
def verify(
    path: Annotated[
        Path, typer.Argument(help="The bundle (.tar) to check.", metavar="BUNDLE", exists=True, dir_okay=False)
    ],
    key: Annotated[
        list[Path] | None,
        typer.Option(
            "--key",
            metavar="PEM",
            help="Trust only these public keys (PEM), not the bundle's own; repeat for each.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Check a bundle offline: every file's digest, each message's signature, each audit entry's hashes and the
    files it describes, each inclusion proof and checkpoint signature. Exit 1 on any failed check."""
    checks = bundle.verify(path, [p.read_bytes() for p in key or []])
    rows = [c.__dict__ for c in checks]
    columns = ["result", "check", "file", "reason"]
    if fmt is Format.table:
        render(rows, columns, fmt, title=f"evidence bundle {path.name}")
        failed = [c for c in checks if c.result == FAIL]
        typer.echo(f"evidence bundle {'OK' if checks.ok else 'REFUSED'}: {len(checks)} checks, {len(failed)} failed"
                   + (f"; first: {failed[0].file}: {failed[0].reason}" if failed else ""))  # fmt: skip
    else:
        render(rows, columns, fmt)
    if not checks.ok:
        raise typer.Exit(1)
