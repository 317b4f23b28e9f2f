"""Alerts (adapter/alerts/): `docking alerts list|replay|deliver`; the open conditions are in `docking status`."""

from typing import Annotated

import typer
from sqlalchemy import select

from adapter.alerts.conditions import ALERTS
from adapter.alerts.delivery import replay_dead_alerts
from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.persistence.tables import OutboxStatus
from cli.output import ConfigOption, Format, FormatOption, render
from cli.queue_cmds import deliver_command, replay_command
from scheduler import bootstrap
from scheduler.alerts import alert_delivery
from schemas.clock import from_db

app = typer.Typer(help="Alerts for people and their delivery to the \\[alerts] destinations.", no_args_is_help=True)


@app.command("list")
def alerts_list(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """The newest alerts: which condition opened or cleared, when, and how its delivery stands."""
    if status is not None and status not in tuple(OutboxStatus):
        raise InvalidRequest(f"--status {status!r} is not one of {', '.join(OutboxStatus)}")
    query = select(ALERTS).order_by(ALERTS.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(ALERTS.c.status == status)
    settings = bootstrap.load(config)
    with bootstrap.open_store(settings, read_only=True).begin() as session:
        rows = [
            {
                "alert_id": r.alert_id,
                "kind": r.kind,
                "subject": r.subject,
                "state": r.state,
                "at": from_db(r.at),
                "status": r.status,
                "attempts": r.attempts,
                "last_error": mask_text(r.last_error or ""),
            }
            for r in session.connection().execute(query)
        ]
    columns = ["alert_id", "kind", "subject", "state", "at", "status", "attempts", "last_error"]
    render(rows, columns, fmt, title="alerts", limit=limit)
    if not settings.alerts.destinations:
        # With none, each alert is marked delivered on being recorded (scheduler/alerts.py): say that no person
        # was told, or "delivered" reads as "someone was paged". On stderr, so json/csv output stays clean.
        typer.echo(
            "note: no [alerts] destinations are configured: alerts are recorded (and marked delivered) but "
            "nobody is notified; add [[alerts.destinations]] (README: Alerts)",
            err=True,
        )


app.command("replay")(
    replay_command(
        "alert",
        replay_dead_alerts,
        "Send dead alerts again (same id, in their conditions' order), e.g. once a destination is fixed; audited.",
    )
)


app.command("deliver")(
    deliver_command(
        lambda settings, uow, clock: alert_delivery(settings, uow, clock) if settings.alerts.destinations else None,
        "no [alerts] destinations configured: nothing to deliver to",
        "Deliver the due alerts now (as `docking run` does every \\[alerts] deliver_seconds).",
    )
)
