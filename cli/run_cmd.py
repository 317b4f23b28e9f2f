"""`docking run` (the production process) and `docking demo` (sandbox court + SQLite, every flow)."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import scheduler
from adapter.errors import ConfigError, InvalidRequest
from cli.output import ConfigOption, console, err
from sandbox.demo import run_demo
from scheduler import bootstrap


def run(config: ConfigOption = None) -> None:
    """Run the adapter: poll every platform, deliver the outbox; stops cleanly on SIGTERM or Ctrl-C."""
    settings = bootstrap.load(config)
    if not settings.platforms:
        raise ConfigError("no platforms configured: add a [platforms.<name>] table (see README, Configuration)")
    scheduler.run(settings)


def demo(
    cases: Annotated[int, typer.Option(min=1, max=5000, help="How many cases to run through the flows.")] = 100,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed for the courts' and the simulated centre's random choices (timing still varies the mix)."
        ),
    ] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON object on stdout.")] = False,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the database and keys here (default: a temp dir).", file_okay=False),
    ] = None,
    timeout: Annotated[float, typer.Option(min=5, help="Give up after this many seconds.")] = 300.0,
    profile: Annotated[
        str, typer.Option(help="Signature profile: jws-detached, sm2-sm3 or hmac-appkey.")
    ] = "jws-detached",
    chaos: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share of court requests that fail on purpose.")] = 0.0,
) -> None:
    """Run two sandbox courts (REST and SOAP) and the adapter on SQLite through every flow, then reconcile."""
    if profile not in ("jws-detached", "sm2-sm3", "hmac-appkey"):
        raise InvalidRequest(f"--profile {profile!r} is not jws-detached, sm2-sm3 or hmac-appkey")

    with Progress(
        TextColumn("[bold]cases at rest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
    ) as bar:
        task = bar.add_task("demo", total=cases, note="")

        def show(done: int, total: int, metrics: dict[str, int]) -> None:
            note = f"sent {metrics.get('outbound_delivered', 0)} · received {metrics.get('inbound_applied', 0)}"
            bar.update(task, completed=done, note=note)

        outcome = run_demo(
            cases,
            seed=seed,
            workdir=workdir,
            timeout=timeout,
            progress=show,
            profile=profile,  # type: ignore[arg-type]
            chaos=chaos,
        )
    summary = outcome.summary
    _table(summary, err if as_json else console)
    (err if as_json else console).print(f"database and keys kept in {outcome.workdir}")
    if as_json:
        flat = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        print(json.dumps({**flat, "platforms": summary.get("platforms", {}), "ok": outcome.ok}, ensure_ascii=False))
    if not outcome.ok:
        err.print("[red]demo did not finish in step[/red]: see the table above")
        raise typer.Exit(1)


def _table(summary: dict[str, object], out: Console) -> None:
    table = Table(title="docking demo — summary")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if not isinstance(value, dict):
            table.add_row(key, str(value))
    out.print(table)
    platforms = summary.get("platforms")
    if isinstance(platforms, dict) and platforms:
        courts = Table(title="courts")
        for column in ("platform", "transport", "dispatched", "messages_delivered"):
            courts.add_column(column, justify="left" if column in ("platform", "transport") else "right")
        for name, figures in platforms.items():
            courts.add_row(name, *(str(figures[k]) for k in ("transport", "dispatched", "messages_delivered")))
        out.print(courts)
