"""`docking run` (the production process) and `docking demo` (sandbox court + SQLite, every flow)."""

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import scheduler
from adapter.errors import ConfigError, InvalidRequest
from adapter.persistence.sqlite_file import check_worker_database
from api.host import ThreadedApi
from cli import logs
from cli.output import ConfigOption, console, err, nothing_configured
from sandbox.court.config import parse_latency
from sandbox.demo import run_demo
from scheduler import bootstrap


def run(config: ConfigOption = None) -> None:
    """Run the adapter: poll every platform, deliver the outbox; stops cleanly on SIGTERM or Ctrl-C."""
    settings = bootstrap.load(config)
    if not settings.platforms and not settings.desks and not settings.partners:
        raise ConfigError(nothing_configured(config))
    check_worker_database(settings.database_url)
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
    court_latency: Annotated[
        str,
        typer.Option(
            metavar="MS[,JITTER]",
            help="The sandbox courts answer after this many milliseconds, give or take JITTER (e.g. 50 or 50,10).",
        ),
    ] = "0",
    keep_running: Annotated[
        bool,
        typer.Option(
            "--keep-running",
            help="After the run keep the API up, print its URL and keys (README, Try the API); Ctrl-C stops.",
        ),
    ] = False,
    complaints: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=5000,
            help="How many complaints the centre receives for the sandbox institutions (default: cases × 6 ÷ 10).",
        ),
    ] = None,
) -> None:
    """Run three sandbox courts (REST and SOAP polled, one pushing) and the adapter with its HTTP API on SQLite
        through every flow, the simulated centre driving it over HTTP, and three sandbox institutions' complaint desks
    answering the complaints it receives; then reconcile."""
    if profile not in ("jws-detached", "sm2-sm3", "hmac-appkey"):
        raise InvalidRequest(f"--profile {profile!r} is not jws-detached, sm2-sm3 or hmac-appkey")
    try:
        latency = parse_latency(court_latency)
    except ValueError as exc:
        raise InvalidRequest(f"--court-latency {exc}") from None
    if workdir is not None and workdir.is_dir() and any(workdir.iterdir()):
        # an earlier demo's keys, databases and courts are there: a second one would meet them half-way
        raise InvalidRequest(
            f"--workdir {workdir.resolve()} is not empty (an earlier run left its database and keys there): give a "
            "new or empty folder, or leave --workdir out for a fresh temporary one"
        )

    if not as_json and logs.quieter("WARNING"):  # the progress bar, not every job's and request's line
        err.print("[dim]log: warnings only (--log-level INFO shows every job and request)[/dim]")
    host = ThreadedApi()
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
            note += f" · complaints at rest {metrics.get('complaints_at_rest', 0)}/{metrics.get('complaints', 0)}"
            bar.update(task, completed=done, note=note)

        try:
            outcome = run_demo(
                cases,
                seed=seed,
                workdir=workdir,
                timeout=timeout,
                progress=show,
                profile=profile,  # type: ignore[arg-type]
                chaos=chaos,
                court_latency=latency,
                host=host,
                keep_running=keep_running,
                complaints=complaints,
            )
        except BaseException:  # the API thread must not outlive a failed run
            host.stop()
            raise
    summary = outcome.summary
    out = err if as_json or keep_running else console  # stdout: the JSON line, the export lines; nothing else
    _table(summary, out)
    out.print(f"database and keys kept in {outcome.workdir}")
    if summary.get("quarantined"):  # refused and kept: not a failure of the demo, but worth a look
        out.print(
            f"{summary['quarantined']} inbound message(s) refused and kept in quarantine — e.g. a desk acting on a "
            "complaint the centre had just withdrawn; the reasons: `docking quarantine list -c "
            f"{outcome.workdir / 'docking.toml'}`",
            highlight=False,
        )
    if outcome.ok:
        out.print("[green]in step[/green]: every message delivered once, nothing dead, reconciliation clean")
    if as_json:
        flat = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        nested = {key: summary.get(key, {}) for key in ("platforms", "desks", "partners")}
        print(json.dumps({**flat, **nested, "ok": outcome.ok}, ensure_ascii=False))
    if outcome.api is not None:
        _serve_until_stopped(outcome.api, host)
    if not outcome.ok:
        err.print("[red]demo did not finish in step[/red]: see the table above")
        raise typer.Exit(1)


def _serve_until_stopped(api: dict[str, str], host: ThreadedApi) -> None:
    """Say where the API is and with which keys (stdout, shell syntax: source them, as README, Try the API does),
    then wait for Ctrl-C or SIGTERM and stop the API cleanly. The keys are for this throwaway demo database only.
    (During the run itself Ctrl-C interrupts it as without --keep-running.)"""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before the lines are printed: whoever reads them may signal at once
        signal.signal(sig, lambda *_: stop.set())
    print(f"export DOCKING_URL={api['url']}")
    print(f"export DOCKING_KEY={api['key']}  # role centre")
    print(f"export DOCKING_OPS_KEY={api['ops_key']}  # role ops")
    print(f"export DOCKING_CASE={api['case']}  # waiting for acceptance (court case {api['court_case']})", flush=True)
    err.print(f"API at {api['url']} (docs: {api['url']}/docs) — Ctrl-C stops it")
    try:
        while not stop.wait(0.5):  # a bounded wait, so the main thread still runs signal handlers
            pass
    finally:
        host.stop()
        err.print("API stopped")


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
        figures_shown = ("transport", "mode", "dispatched", "messages_delivered")
        for column in ("platform", *figures_shown):
            courts.add_column(column, justify="left" if column in ("platform", "transport", "mode") else "right")
        for name, figures in platforms.items():
            courts.add_row(name, *(str(figures.get(k, "")) for k in figures_shown))
        out.print(courts)
    desks = summary.get("desks")
    if isinstance(desks, dict) and desks:
        shown = Table(title="institutions' complaint desks")
        desk_figures = ("kind", "mode", "complaints", "published", "applied")
        for column in ("desk", *desk_figures):
            shown.add_column(column, justify="left" if column in ("desk", "kind", "mode") else "right")
        for name, figures in desks.items():
            shown.add_row(name, *(str(figures.get(k, "")) for k in desk_figures))
        out.print(shown)
