"""Centre events (adapter/events/): `docking events dead|replay|deliver`."""

from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from adapter.events.delivery import dead_events, replay_dead_events
from adapter.masking import mask_text
from cli.output import ConfigOption, Format, FormatOption, console, render
from scheduler import bootstrap
from scheduler.centre_events import event_delivery
from schemas.clock import china_iso, utc_now

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


@app.command("replay")
def events_replay(
    event_id: Annotated[str | None, typer.Argument(help="One dead event; or --all.")] = None,
    all_dead: Annotated[bool, typer.Option("--all", help="Every dead event.")] = False,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log with who and when).")] = "",
    actor: Annotated[str, typer.Option(envvar="USER", help="Who is replaying (default: $USER).")] = "operator",
    config: ConfigOption = None,
) -> None:
    """Put dead events back in the queue, unchanged (same id) and in their cases' order; every replay is audited."""
    if (event_id is None) == (not all_dead):
        raise InvalidRequest("name one dead event id, or --all")
    uow = bootstrap.open_store(bootstrap.load(config))
    ids = replay_dead_events(uow, None if all_dead else [event_id or ""], actor=actor, reason=reason, now=utc_now())
    console.print(f"{len(ids)} dead event(s) requeued" if ids else "no dead events: nothing requeued")


@app.command("deliver")
def events_deliver(config: ConfigOption = None) -> None:
    """Deliver the due events now (as `docking run` does every [events] deliver_seconds)."""
    settings = bootstrap.load(config)
    run = event_delivery(settings, bootstrap.open_store(settings), utc_now)
    if run is None:
        raise InvalidRequest("no [events] urls configured: nothing to deliver to")
    counts = run()
    console.print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing due")
