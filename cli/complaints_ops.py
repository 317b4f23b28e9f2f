"""`docking complaints` operations on the desk queue and feeds: reprocess a quarantined desk item, re-key the blind
index, list and replay dead messages, deliver, poll and reconcile now (what `docking run` does on its schedule)."""

from typing import Annotated

import typer

from adapter.complaints import blind_index, delivery, reprocess
from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from cli.complaints_cmd import Actor, app, complaints_runtime
from cli.output import ConfigOption, Format, FormatOption, console, render
from cli.queue_cmds import replay_command
from scheduler import bootstrap
from scheduler.complaints import BUSY


@app.command("reprocess")
def reprocess_item(
    quarantine_id: Annotated[int, typer.Argument(help="The quarantined desk item (docking quarantine list).")],
    desk: Annotated[str, typer.Option(help="The desk it came from (\\[desks.<name>]).")],
    note: str = "",
    actor: Actor = "operator",
    config: ConfigOption = None,
) -> None:
    """Apply a desk's quarantined item again once what refused it is fixed (e.g. the complaint it is about)."""
    complaints = complaints_runtime(config, connect=True)
    if desk not in complaints.desks:
        raise InvalidRequest(f"--desk {desk!r} is not a configured desk ({', '.join(complaints.desks) or 'none'})")
    outcome = reprocess.reprocess(
        complaints.uow, complaints.desks[desk], quarantine_id, actor=actor, note=note, clock=complaints.clock
    )
    console.print(f"quarantined message {quarantine_id}: {outcome}")


@app.command("reindex")
def reindex(config: ConfigOption = None) -> None:
    """Recompute the complainants' blind index under the active data key (`docking keys rotate-data` does it too):
    needed before an old data key is retired, else complaints indexed under it are no longer found as repeats."""
    changed, unreadable = blind_index.reindex(bootstrap.open_store(bootstrap.load(config)))
    console.print(f"{changed} complaint(s) re-indexed")
    if unreadable:
        raise InvalidRequest(
            f"{len(unreadable)} complaint(s) do not open with the configured data keys ({', '.join(unreadable[:5])}"
            "…): add the key they name back to [encryption.keys] and run this again"
        )


@app.command("dead")
def dead(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Messages a desk refused or that gave up, with the reason; `replay` resends them."""
    rows = [
        {
            "message_id": r.message_id,
            "complaint_id": r.complaint_id,
            "desk": r.platform,
            "type": r.type,
            "attempts": r.attempts,
            "last_error": mask_text(r.last_error or ""),
        }
        for r in delivery.dead(bootstrap.open_store(bootstrap.load(config), read_only=True))
    ]
    render(rows, ["message_id", "complaint_id", "desk", "type", "attempts", "last_error"], fmt, title="dead")


app.command("replay")(
    replay_command(
        "complaint message",
        delivery.replay,
        "Put dead complaint messages back in the queue (same id, the complaint's order kept); audited.",
    )
)


@app.command("deliver")
def deliver(config: ConfigOption = None) -> None:
    """Deliver the due complaint messages now (as `docking run` does)."""
    counts = complaints_runtime(config, connect=True).deliver()
    console.print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing due")


@app.command("poll")
def poll(
    desk: Annotated[str | None, typer.Option(help="Only this desk; default every desk in poll mode.")] = None,
    config: ConfigOption = None,
) -> None:
    """Read the desks' feeds now (as `docking run` does every poll_seconds); bad items are quarantined."""
    complaints = complaints_runtime(config, connect=True)
    names = [desk] if desk else [n for n, c in complaints.settings.desks.items() if c.mode == "poll"]
    for name in names:
        if name not in complaints.desks:
            raise InvalidRequest(f"--desk {name!r} is not a configured desk ({', '.join(complaints.desks) or 'none'})")
        counts = complaints.poll(name)
        if counts.get(BUSY):
            console.print(f"{name}: not read now — another process (docking run / serve) polls this desk; it reads it")
            continue
        console.print(f"{name}: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing new"))


@app.command("reconcile")
def reconcile(
    config: ConfigOption = None,
    repair: Annotated[bool, typer.Option(help="Resend forwards a desk does not know.")] = True,
    fmt: FormatOption = Format.table,
) -> None:
    """Compare each desk's view of our open complaints with ours; exit 1 when differences remain."""
    found = complaints_runtime(config, connect=True).reconcile(repair=repair)
    rows = [{"desk": name, **vars(d)} for name, diffs in found.items() for d in diffs]
    render(rows, ["desk", "complaint_id", "ours", "theirs", "action"], fmt, title="complaint differences")
    if any(row["action"] == "report" for row in rows):
        raise typer.Exit(1)
