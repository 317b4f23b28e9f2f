"""Centre events (adapter/events/): `docking events dead|replay|deliver`."""

import typer

from adapter.events.delivery import dead_events, replay_dead_events
from adapter.masking import mask_text
from cli.output import ConfigOption, Format, FormatOption, render
from cli.queue_cmds import deliver_command, replay_command
from scheduler import bootstrap
from scheduler.centre_events import event_delivery
from schemas.clock import china_iso

app = typer.Typer(help="Events for the centre and their webhook delivery.", no_args_is_help=True)


@app.command("dead")
def events_dead(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Events the centre's webhook would not take before the give-up time, with the reason; `replay` resends."""
    rows = [
        {
            "event_id": event.id,
            "type": event.type,
            "case_id": event.case_id or "",
            "time": china_iso(event.at),
            "last_error": mask_text(error or ""),
        }
        for event, error in dead_events(bootstrap.open_store(bootstrap.load(config), read_only=True))
    ]
    render(rows, ["event_id", "type", "case_id", "time", "last_error"], fmt, title="dead centre events")


app.command("replay")(
    replay_command(
        "event",
        replay_dead_events,
        "Put dead events back in the queue, unchanged (same id) and in their cases' order; every replay is audited.",
    )
)


app.command("deliver")(
    deliver_command(
        event_delivery,
        "no [events] urls configured: nothing to deliver to",
        "Deliver the due events now (as `docking run` does every \\[events] deliver_seconds).",
    )
)
