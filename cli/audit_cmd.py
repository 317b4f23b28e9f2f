"""`docking audit verify|show|checkpoint|proof`: the tamper-evident audit log (adapter/audit/)."""

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from adapter.audit import seal
from adapter.audit.checkpoint import checkpoint_of, inclusion, make_checkpoint, verify_inclusion_proof
from adapter.audit.verify import Report, verify_chain
from adapter.errors import InvalidRequest
from adapter.persistence.audit_tables import AuditEntryRow
from cli.output import ConfigOption, Format, FormatOption, err, print_object, refuse_csv, render, render_record
from scheduler import bootstrap
from schemas.clock import CHINA, from_db, utc_now

app = typer.Typer(help="The tamper-evident audit log: verify the chain, show an entry, sign a checkpoint.",
                  no_args_is_help=True)  # fmt: skip


def _since(text: str | None) -> int | datetime | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"--since {text!r} is neither an entry seq (e.g. 1200) nor a date (e.g. 2026-11-30 or 2026-11-30T08:00)",
            field="since",
        ) from None
    return when.replace(tzinfo=CHINA) if when.tzinfo is None else when  # a date without zone is China time


def _report_json(report: Report) -> dict[str, Any]:
    faults = [f.__dict__ for f in report.faults]
    return {
        "ok": report.ok,
        "entries": report.entries,
        "first_seq": report.first_seq,
        "last_seq": report.last_seq,
        "checkpoints": report.checkpoints,
        "signatures_checked": not report.unsigned,
        "first_fault": faults[0] if faults else None,
        "faults": faults,
    }


_SINCE = "Start at this seq, or at the first entry on or after a date (China time unless a zone is given)."


@app.command("verify")
def verify(
    config: ConfigOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Start at this seq, or at the first entry on or after a date (China time unless a zone is given)."
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Recompute every entry's hash and link, and each checkpoint's root and signature; name the first entry
    altered, inserted, removed or reordered. Exit 1 when anything is wrong."""
    refuse_csv(fmt, "audit verify", "prints one report")
    settings = bootstrap.load(config)
    keys = seal.public_keys(settings.audit)
    shown = fmt is Format.table and err.is_terminal

    def progress(done: int) -> None:
        if shown:
            err.print(f"verified {done} entries …")

    with bootstrap.open_store(settings, read_only=True).begin() as session:
        report = verify_chain(session.connection(), keys, _since(since), progress)
    if fmt is not Format.table:
        print_object(_report_json(report))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Report) -> None:
    span = f"entries {report.first_seq}–{report.last_seq}" if report.entries else "no entries"
    if report.ok:
        typer.echo(f"audit chain OK: {report.entries} {span}, {report.checkpoints} checkpoint(s) verified")
    else:
        first = report.faults[0]
        typer.echo(f"audit chain BROKEN: first bad entry {first.seq}: {first.problem} — {first.detail}")
        columns = ["seq", "problem", "kind", "subject", "checkpoint", "detail"]
        rows = [{c: getattr(f, c) for c in columns} for f in report.faults]
        render(rows, columns, Format.table, title=f"faults ({span})")
    if report.unsigned:
        err.print("note: no [audit] keyring configured: checkpoint roots were checked, their signatures were not")


@app.command("show")
def show(seq: int, config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """One entry: what, about what, who, its content and hashes, and the checkpoint holding it."""
    refuse_csv(fmt, "audit show")
    settings = bootstrap.load(config)
    with bootstrap.open_store(settings, read_only=True).begin() as session:
        row = session.get(AuditEntryRow, seq)
        if row is None:
            raise InvalidRequest(f"no audit entry {seq}", field="seq")
        cp = checkpoint_of(session.connection(), seq)
    record = {
        "seq": row.seq,
        "at": from_db(row.at),
        "kind": row.kind,
        "subject": row.subject,
        "case_id": row.case_id,
        "actor": row.actor,
        "content": json.loads(row.content_json),
        "alg": row.alg,
        "digest": row.digest,
        "prev_hash": row.prev_hash,
        "entry_hash": row.entry_hash,
        "checkpoint": cp.id if cp is not None else None,
    }
    if fmt is Format.table:
        render_record({**record, "content": row.content_json}, title=f"audit entry {seq}")
    else:
        print_object(record)


@app.command("checkpoint")
def checkpoint(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Sign a checkpoint over the entries since the last one now (`docking run` does so every \\[audit]
    checkpoint_seconds)."""
    refuse_csv(fmt, "audit checkpoint")
    settings = bootstrap.load(config)
    signer = seal.signer(settings.audit, utc_now())
    row = make_checkpoint(bootstrap.open_store(settings), signer)
    if row is None:
        typer.echo("no new entries since the last checkpoint: nothing to sign")
        return
    record = {"checkpoint": row.id, "first_seq": row.first_seq, "last_seq": row.last_seq, "root": row.root,
              "key_id": row.key_id, "algorithm": row.algorithm, "at": from_db(row.at)}  # fmt: skip
    if fmt is Format.table:
        typer.echo(f"checkpoint {row.id} signed: entries {row.first_seq}–{row.last_seq}, root {row.root}, "
                   f"key {row.key_id} ({row.algorithm})")  # fmt: skip
    else:
        print_object(record)


@app.command("proof")
def proof(seq: int, config: ConfigOption = None) -> None:
    """The inclusion proof of entry SEQ in its signed checkpoint, as JSON (checked here with the audit keyring)."""
    settings = bootstrap.load(config)
    with bootstrap.open_store(settings, read_only=True).begin() as session:
        found = inclusion(session, seq)
    keys = seal.public_keys(settings.audit)
    algorithm_key = keys.get(found["checkpoint"]["key_id"])
    found["verified"] = algorithm_key is not None and verify_inclusion_proof(found, algorithm_key[1])
    print_object(found)
