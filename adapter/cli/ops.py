"""Operations: `docking outbox list`, `docking quarantine list`, `docking reconcile`."""

from typing import Annotated

import typer
from sqlmodel import col, select

from adapter.cli.output import ConfigOption, Format, FormatOption, err, open_uow, render, settings_from
from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.reconcile import reconcile
from adapter.tables import OutboxRow, QuarantineRow

outbox_app = typer.Typer(help="Outgoing messages and their delivery.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Inbound messages refused and kept for inspection.", no_args_is_help=True)

STATUSES = ("pending", "delivered", "dead")


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
    with open_uow(config).begin() as session:
        query = select(OutboxRow).order_by(col(OutboxRow.id).desc()).limit(limit)
        if status:
            query = query.where(OutboxRow.status == status)
        rows = [
            {
                "id": m.id,
                "message_id": m.message_id,
                "case_id": m.case_id,
                "platform": m.platform,
                "type": m.type,
                "status": m.status,
                "attempts": m.attempts,
                "next_attempt_at": f"{m.next_attempt_at:%Y-%m-%d %H:%M:%S}",
                "last_error": mask_text(m.last_error or ""),
            }
            for m in session.exec(query).all()
        ]
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
            "last_error",
        ],
        fmt,
        title="outbox",
        limit=limit,
    )


@quarantine_app.command("list")
def quarantine_list(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List refused inbound messages with the reason; the raw bytes stay in the database."""
    with open_uow(config).begin() as session:
        query = select(QuarantineRow).order_by(col(QuarantineRow.id).desc()).limit(limit)
        rows = [
            {
                "id": q.id,
                "platform": q.platform,
                "feed": q.feed,
                "received_at": f"{q.received_at:%Y-%m-%d %H:%M:%S}",
                "reason": q.reason,
                "detail": mask_text(q.detail)[:160],
                "bytes": len(q.raw),
            }
            for q in session.exec(query).all()
        ]
    render(rows, ["id", "platform", "feed", "received_at", "reason", "detail", "bytes"], fmt, title="quarantine")


def reconcile_cmd(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Compare every case's status with each platform's own; exit 1 while differences remain."""
    from scheduler import build_runtime  # the composition root names the concrete connectors

    runtime = build_runtime(settings_from(config))
    report = reconcile(runtime.uow, runtime.platforms)
    rows = [
        {
            "case_id": d.case_id,
            "platform": d.platform,
            "platform_case_id": d.platform_case_id,
            "ours": d.ours.value,
            "theirs": d.theirs.value if d.theirs else "—",
            "kind": d.kind,
        }
        for d in report.differences
    ]
    render(rows, ["case_id", "platform", "platform_case_id", "ours", "theirs", "kind"], fmt, title="differences")
    err.print(
        f"checked {report.checked} case(s); {report.in_flight} in flight; {len(report.differences)} difference(s)"
    )
    raise typer.Exit(1 if report.differences else 0)
