"""Operations on the outbox: `docking outbox list|dead|show|replay` (quarantine: quarantine_cmd.py)."""

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_text
from adapter.outbox.dead_letters import replay_dead, replay_message
from adapter.outbox.inspect import listing, load_message, masked_payload
from adapter.persistence.tables import OutboxRow, OutboxStatus
from cli.output import ConfigOption, Format, FormatOption, console, err, print_object, refuse_csv, render, render_record
from scheduler import bootstrap
from schemas.clock import CHINA, china_text, utc_now

outbox_app = typer.Typer(help="Outgoing messages and their delivery.", no_args_is_help=True)

STATUSES = tuple(OutboxStatus)


@outbox_app.command("list")
def outbox_list(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List outgoing messages, newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"--status {status!r} is not one of {', '.join(STATUSES)}")
    with bootstrap.open_store(bootstrap.load(config), read_only=True).begin() as session:
        query = select(OutboxRow).order_by(col(OutboxRow.id).desc()).limit(limit)
        if status:
            query = query.where(OutboxRow.status == status)
        rows = [listing(m) for m in session.exec(query).all()]
    render(
        rows,
        [
            "id",
            "message_id",
            "case_id",
            "platform",
            "type",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
        ],
        fmt,
        title="outbox",
        limit=limit,
    )


@outbox_app.command("dead")
def outbox_dead(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """Messages that will not be retried any more, with the reason; `replay` puts them back."""
    outbox_list(config=config, status=OutboxStatus.DEAD, limit=limit, fmt=fmt)


@outbox_app.command("show")
def outbox_show(
    message_id: Annotated[str, typer.Argument(help="A message id from `docking outbox list`.")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One message: its delivery record and the payload — ID, phone, account numbers and USCCs masked, documents
    (agreements) given by size and SHA-256 only — and its audit trail (replays); --format json: one object."""
    refuse_csv(fmt, "outbox show", "has several parts")
    row, audit = load_message(bootstrap.open_store(bootstrap.load(config), read_only=True), message_id)
    record = {
        "message_id": row.message_id,
        "case_id": row.case_id,
        "platform": row.platform,
        "type": row.type,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "last_error": mask_document(row.last_error or ""),
    }
    payload = masked_payload(row.envelope_json)
    if fmt is Format.json:
        trail = [{"at": e.at, "actor": e.actor, "action": e.action, "reason": mask_text(e.reason)} for e in audit]
        print_object({**record, "payload": _json_or_text(payload), "audit": trail})
        return
    render_record(record, title="message")
    err.print(
        "payload, as stored (our times in UTC, ending Z; times the centre gave keep their offset; personal numbers"
        " masked):",
        highlight=False,
    )
    print(payload)
    for entry in audit:
        err.print(f"{china_text(entry.at)} {entry.actor} {entry.action}: {mask_text(entry.reason)}", highlight=False)


def _json_or_text(text: str) -> Any:
    """The masked payload as JSON, or as the text it is should masking have left a number unquoted (not JSON)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@outbox_app.command("replay")
def outbox_replay(
    message_id: Annotated[str | None, typer.Argument(help="One dead message; or use --platform/--since.")] = None,
    platform: Annotated[str | None, typer.Option(help="Replay this platform's dead messages.")] = None,
    since: Annotated[str | None, typer.Option(help="Only messages created since (ISO 8601, e.g. 2026-11-23).")] = None,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log with who and when).")] = "",
    actor: Annotated[str, typer.Option(envvar="USER", help="Who is replaying (default: $USER).")] = "operator",
    config: ConfigOption = None,
) -> None:
    """Put dead messages back in the queue, unchanged and in their cases' order; every replay is audited."""
    settings = bootstrap.load(config)
    if platform is not None:
        configured = settings.platforms
        if platform not in configured:
            names = ", ".join(configured) or "none"
            raise InvalidRequest(f"--platform {platform!r} is not a configured platform; configured: {names}")
    uow, now = bootstrap.open_store(settings), utc_now()
    if message_id:
        if platform or since:
            raise InvalidRequest("give either a message id or --platform/--since, not both")
        replay_message(uow, message_id, actor=actor, reason=reason, now=now)
        console.print(f"{message_id} requeued")
        return
    if not platform and not since:
        raise InvalidRequest("name a message id, or --platform and/or --since")
    try:
        cutoff = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise InvalidRequest(f"--since {since!r} is not an ISO 8601 date or time") from None
    if cutoff is not None and cutoff.tzinfo is None:
        cutoff = cutoff.replace(tzinfo=CHINA)  # operators think in China time
    replayed = replay_dead(uow, platform=platform, since=cutoff, actor=actor, reason=reason, now=now)
    if not replayed:
        scope = " ".join(filter(None, [f"of {platform}" if platform else "", f"since {since}" if since else ""]))
        console.print(f"no dead messages {scope}: nothing requeued", highlight=False)
        return
    console.print(f"{len(replayed)} dead message(s) requeued")
