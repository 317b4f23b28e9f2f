"""`docking partners` operations on the partner queue, feeds and clocks: list and replay dead messages (audited),
deliver, poll and reconcile now (what `docking run` does on its schedule), and the due dates closing soon."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated

import typer

from adapter.deadlines.closing import parse_span
from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.partners import delivery, reprocess
from cli.output import ConfigOption, Format, FormatOption, console, err, render
from cli.partners_cmd import app, partners_runtime
from cli.queue_cmds import replay_command
from scheduler import bootstrap
from scheduler.partners import BUSY, PartnerRuntime


@app.command("dead")
def dead(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Messages a partner refused or that gave up, with the reason; `replay` resends them."""
    rows = [
        {"message_id": r.message_id, "record_id": r.record_id, "partner": r.platform, "type": r.type,
         "attempts": r.attempts, "last_error": mask_text(r.last_error or "")}
        for r in delivery.dead(bootstrap.open_store(bootstrap.load(config), read_only=True))
    ]  # fmt: skip
    render(rows, ["message_id", "record_id", "partner", "type", "attempts", "last_error"], fmt, title="dead")


app.command("replay")(
    replay_command(
        "partner message",
        delivery.replay,
        "Put dead partner messages back in the queue (same id, the record's order kept); audited.",
    )
)


def _configured(name: str, ports: Mapping[str, object]) -> None:
    if name not in ports:
        raise InvalidRequest(f"--partner {name!r} is not a configured partner ({', '.join(ports) or 'none'})")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


@app.command("deliver")
def deliver(config: ConfigOption = None) -> None:
    """Deliver the due partner messages now (as `docking run` does)."""
    console.print(_counts(partners_runtime(config, connect=True).deliver()) or "nothing due")


@app.command("poll")
def poll(
    partner: Annotated[str | None, typer.Option(help="Only this partner; default every partner in mode poll.")] = None,
    config: ConfigOption = None,
) -> None:
    """Read the partners' feeds now (as `docking run` does every poll_seconds); bad items are quarantined."""
    partners = partners_runtime(config, connect=True)
    names = [partner] if partner else [n for n, c in partners.settings.partners.items() if c.mode != "push"]
    for name in names:
        if name not in partners.ports:
            raise InvalidRequest(
                f"--partner {name!r} is not a configured partner ({', '.join(partners.ports) or 'none'})"
            )
        counts = partners.poll(name)
        if counts.get(BUSY):
            console.print(f"{name}: not read now — another process (docking run / serve) polls this partner")
            continue
        console.print(f"{name}: {_counts(counts) or 'nothing new'}")


@contextmanager
def _calendar_noted(partners: PartnerRuntime) -> Iterator[None]:
    """A year without holiday data met while computing: one plain note on stderr, not a log line amid the
    table (as `docking deadlines` does; issue 19)."""
    logger = logging.getLogger("docking.deadlines")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
    for year in sorted(partners.calendar.estimated_years):
        err.print(f"note: the holiday calendar has no data for {year}: due dates in {year} count weekends only and "
                  f"are marked estimated; add {year} to [deadlines] holiday_file once it is published",
                  highlight=False, markup=False, soft_wrap=True)  # fmt: skip


@app.command("reconcile")
def reconcile(
    config: ConfigOption = None,
    partner: Annotated[str | None, typer.Option(help="Only this partner; default every one.")] = None,
    repair: Annotated[bool, typer.Option(help="Queue the kind's repair messages for a record out of step.")] = False,
    month: Annotated[str | None, typer.Option(help="Also compare the partner's figures for YYYY-MM.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Compare each partner's view of our open records with ours (and its figures); exit 1 when differences
    remain. A polled partner's feed is read (and applied) once first if a record disagrees."""
    partners = partners_runtime(config, connect=True)
    if partner is not None and partner not in partners.ports:
        raise InvalidRequest(
            f"--partner {partner!r} is not a configured partner ({', '.join(partners.ports) or 'none'})"
        )
    with _calendar_noted(partners):
        found = partners.reconcile(partner, repair=repair, month=month)
    rows = [{"partner": name, **vars(d)} for name, r in found.items() for d in r.differences]
    render(rows, ["partner", "record_id", "status", "expected", "theirs", "action"], fmt, title="record differences")
    figures = [{"partner": name, **vars(f)} for name, r in found.items() for f in r.figures]
    if figures or month:
        render(figures, ["partner", "name", "ours", "theirs"], fmt, title=f"figure differences {month}")
    if figures or any(row["action"] == "report" for row in rows):
        raise typer.Exit(1)


@app.command("deadlines")
def deadlines(
    within: Annotated[str, typer.Option(help="How far ahead: e.g. 3d, 36h, 2w. Passed ones always show.")] = "3d",
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Partner records' due dates closing within --within (and every one passed), days in China time; `counting`
    says working or calendar days (partners.md §0); `duty` false is a party's window (an award's correction or
    set-aside): open until it closes, then lapsed and gone from the list — never due soon or overdue."""
    partners = partners_runtime(config)
    with _calendar_noted(partners):
        rows = partners.deadlines(parse_span(within, "--within"))
    columns = ["record", "kind", "partner", "status", "due", "due_day", "state", "counting", "closes_in_hours",
               "estimated", "rule", "duty"]  # fmt: skip
    render(rows, columns, fmt, title=f"partner due dates closing within {within} (and passed)")
    if fmt is Format.table and not rows:
        err.print(f"no open partner due date closes within {within}")


@app.command("reprocess")
def reprocess_item(
    quarantine_id: Annotated[int, typer.Argument(help="The quarantined partner item (docking quarantine list).")],
    partner: Annotated[str, typer.Option(help="The partner it came from (\\[partners.<name>]).")],
    note: str = "",
    actor: Annotated[
        str, typer.Option(envvar="USER", help="Who (the audit's name for it; default $USER).")
    ] = "operator",
    config: ConfigOption = None,
) -> None:
    """Apply a partner's quarantined item again once what refused it is fixed (e.g. the record it is about)."""
    partners = partners_runtime(config, connect=True)
    _configured(partner, partners.ports)
    port = partners.ports[partner]
    outcome = reprocess.reprocess(partners.uow, port, quarantine_id, actor=actor, note=note, clock=partners.clock,
                                  rules=partners.rules_for(partner, port.kind))  # fmt: skip
    console.print(f"quarantined message {quarantine_id}: {outcome}")
