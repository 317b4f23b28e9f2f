"""`docking quarantine list|show|reprocess|resolve`: refused inbound messages, and what to do about them."""

import base64
import binascii
import json
import re
from typing import Annotated, Any

import typer
from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.inbox.item_outcome import Ingested
from adapter.inbox.quarantine import STATUSES, Reprocessed, load, open_ids, reprocess, resolve, split_headers
from adapter.inbox.quarantine_view import SHOWN_BYTES, raw_text, summary
from adapter.masking import mask_text
from adapter.persistence.tables import QuarantineRow
from cli.filters import note_unmatched
from cli.output import (
    ConfigOption,
    Format,
    FormatOption,
    console,
    err,
    print_object,
    refuse_csv,
    render,
    render_record,
)
from scheduler import bootstrap
from schemas.clock import utc_now

app = typer.Typer(
    help="Inbound messages refused and kept for inspection; reprocess or resolve them.", no_args_is_help=True
)

LIST_COLUMNS = ["id", "platform", "feed", "received_at", "message_id", "reason", "status", "detail", "bytes"]
SHOW_COLUMNS = [
    "id",
    "platform",
    "feed",
    "received_at",
    "message_id",
    "reason",
    "detail",
    "status",
    "outcome",
    "handled_by",
    "handled_at",
    "note",
    "bytes",
    "sha256",
]
_JWS = re.compile(r"^([A-Za-z0-9_-]+)\.\.[A-Za-z0-9_-]+$")
ActorOption = Annotated[str, typer.Option(envvar="USER", help="Who acts (audit; default: $USER).")]


@app.command("list")
def quarantine_list(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="open, reprocessed or resolved.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason, e.g. unknown_key.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List refused inbound messages, newest first, with the reason and what became of each."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"--status {status!r} is not one of {', '.join(STATUSES)}")
    with bootstrap.open_store(bootstrap.load(config), read_only=True).begin() as session:
        query = select(QuarantineRow).order_by(col(QuarantineRow.id).desc()).limit(limit)
        for column, value in ((QuarantineRow.status, status), (QuarantineRow.reason, reason)):
            if value:
                query = query.where(column == value)
        if platform:
            query = query.where(QuarantineRow.platform == platform)
        rows = [{**summary(q), "detail": mask_text(q.detail)[:160]} for q in session.exec(query).all()]
        if not rows:
            note_unmatched(
                session, [("--reason", QuarantineRow.reason, reason), ("--platform", QuarantineRow.platform, platform)]
            )
    render(rows, LIST_COLUMNS, fmt, title="quarantine", limit=limit)


@app.command("show")
def quarantine_show(
    quarantine_id: Annotated[int, typer.Argument(help="An id from `docking quarantine list`.")],
    config: ConfigOption = None,
    whole: Annotated[bool, typer.Option("--all", help=f"Print all the bytes, not the first {SHOWN_BYTES}.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """One refused message: why, its headers, and its raw bytes with ID, phone and account numbers masked."""
    refuse_csv(fmt, "quarantine show", "has several parts")
    row = load(bootstrap.open_store(bootstrap.load(config), read_only=True), quarantine_id)
    headers, position = split_headers(row)
    text, note = raw_text(row.raw, whole)
    record = {
        **summary(row),
        "detail": mask_text(row.detail),
        "outcome": mask_text(row.outcome),
        "handled_by": row.handled_by,
        "handled_at": row.handled_at,
        "note": mask_text(row.note),
        "sha256": row.raw_sha256,
    }
    signed = {name: protected for name, value in headers.items() if (protected := _jws_header(value))}
    if fmt is Format.json:
        shown = {"position": position, "headers": headers, "signed_headers": signed, "raw": text, "raw_note": note}
        print_object({**record, **shown})
        return
    render_record({c: record[c] for c in SHOW_COLUMNS}, title=f"quarantined message {quarantine_id}")
    header_rows = [{"header": k, "value": v} for k, v in headers.items()]
    header_rows += [{"header": f"{k} (protected header)", "value": json.dumps(v)} for k, v in signed.items()]
    if position:
        header_rows.append({"header": "feed position", "value": position})
    render(header_rows, ["header", "value"], fmt, title="headers")
    console.print("[bold]raw bytes[/bold] (ID, phone and account numbers masked):", highlight=False)
    if text:
        print(text)
    if note:  # where the bytes are not shown (not text), the note is all there is: beside the heading, not apart
        (err if text else console).print(note, highlight=False)


@app.command("reprocess")
def quarantine_reprocess(
    quarantine_id: Annotated[int | None, typer.Argument(help="One quarantined message; or use --reason.")] = None,
    reason: Annotated[
        str | None, typer.Option(help="Every open message refused for this reason, e.g. unknown_key, oldest first.")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="With --reason: only this platform's.")] = None,
    note: Annotated[str, typer.Option(help="Why (kept with the row and in the audit log).")] = "",
    actor: ActorOption = "operator",
    config: ConfigOption = None,
) -> None:
    """Verify, decode and apply kept messages again with today's keys and code tables, through the normal ingest
    path: each is applied at most once, however often it is reprocessed. Exit 1 if any is still refused."""
    if (quarantine_id is None) == (reason is None):
        raise InvalidRequest("name one quarantined message id, or --reason R (e.g. --reason unknown_key)")
    if platform and reason is None:
        raise InvalidRequest("--platform goes with --reason")
    runtime = bootstrap.runtime(bootstrap.load(config))
    if platform and platform not in runtime.platforms:
        configured = ", ".join(runtime.platforms) or "none"
        raise InvalidRequest(f"platform {platform!r} is not configured; configured: {configured}")
    ids = [quarantine_id] if quarantine_id is not None else open_ids(runtime.uow, reason=str(reason), platform=platform)
    if not ids:
        console.print(f"no open quarantined message with reason {reason!r}")
        return
    done: list[Reprocessed] = []
    for ident in ids:
        result = reprocess(runtime.uow, runtime.platforms, ident, actor=actor, note=note, clock=runtime.clock)
        console.print(f"{ident}: {result.summary}", highlight=False)
        done.append(result)
    refused = sum(1 for r in done if r.result is Ingested.QUARANTINED)
    applied = sum(1 for r in done if r.result is Ingested.APPLIED)
    err.print(
        f"{len(done)} reprocessed: {applied} applied, {len(done) - applied - refused} already applied, "
        f"{refused} still refused",
        highlight=False,
    )
    if refused:
        raise typer.Exit(1)


@app.command("resolve")
def quarantine_resolve(
    quarantine_id: Annotated[int, typer.Argument(help="An open quarantined message.")],
    note: Annotated[str, typer.Option(help="What was done about it (required; kept with who and when).")] = "",
    actor: ActorOption = "operator",
    config: ConfigOption = None,
) -> None:
    """Close an open quarantined message that will not be reprocessed; who, when and the note are kept."""
    row = resolve(bootstrap.open_store(bootstrap.load(config)), quarantine_id, actor=actor, note=note, now=utc_now())
    console.print(f"{quarantine_id} resolved by {row.handled_by}", highlight=False)


def _jws_header(value: str) -> dict[str, Any] | None:
    """A detached JWS's protected header (kid, msgid, iat), so the key a court signed with can be read at once."""
    match = _JWS.match(value.strip())
    if match is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(match[1] + "=" * (-len(match[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None
