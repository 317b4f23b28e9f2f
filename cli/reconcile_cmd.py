"""`docking reconcile`: compare every case with its platform, optionally repair; `runs` and `show` read stored runs.

Exit codes: 0 in step, or every difference found was repaired (re-sent, re-delivered or fetched; run again after
delivery to see zero) · 1 differences remain that were not repaired · 69 a platform could not be reached · 78 a platform
refused our signature or key · 2 the platforms that failed refused the requests themselves.
"""

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.reconcile import Difference, ReconcileReport, Scope, reconcile
from adapter.reconcile import runs as stored
from cli.output import ConfigOption, Format, FormatOption, err, print_object, render
from scheduler import bootstrap
from schemas.clock import china_text

app = typer.Typer(
    help="Compare every case with its platform's view; classify, store and (with --repair) repair differences.",
    invoke_without_command=True,
)

COLUMNS = ["case_id", "platform", "platform_case_id", "ours", "theirs", "kind", "action", "repaired", "detail"]
ScopeOption = Annotated[
    Scope, typer.Option(help="open: our cases not at rest; full: every case, and every case the platforms list.")
]
RUN_COLUMNS = [
    "id",
    "started_at",
    "finished_at",
    "platform",
    "scope",
    "repair",
    "checked",
    "in_flight",
    "differences",
    "repaired",
    "status",
    "actor",
]


@app.callback()
def reconcile_cmd(
    ctx: typer.Context,
    config: ConfigOption = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform's cases.")] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Repair what can be: re-send, re-deliver, fetch and ingest (audited).")
    ] = False,
    resend_missing: Annotated[
        bool,
        typer.Option(
            "--resend-missing",
            help="With --repair: also re-send every message of a case the court does not know (ask the court first).",
        ),
    ] = False,
    scope: ScopeOption = Scope.FULL,
    actor: Annotated[str, typer.Option(envvar="USER", help="Who runs it (audit; default: $USER).")] = "operator",
    fmt: FormatOption = Format.table,
) -> None:
    """Compare every case with its platform; exit 0 when in step (or all repaired), 1 while differences remain."""
    if ctx.invoked_subcommand is not None:
        return
    if resend_missing and not repair:
        raise InvalidRequest("--resend-missing re-sends as a repair: give --repair with it")

    runtime = bootstrap.runtime(bootstrap.load(config))
    with _ProgressBar() as bar:
        report = reconcile(
            runtime.uow,
            runtime.platforms,
            platform=platform,
            scope=scope,
            repair=repair,
            resend_missing=resend_missing,
            actor=actor,
            clock=runtime.clock,
            progress=bar,
        )
    render([_row(d) for d in report.differences], COLUMNS, fmt, title="differences")
    _summary(report)
    if report.failures:
        for why in report.failures.values():  # each names its platform
            err.print(f"[red]error:[/red] {escape(why)}", highlight=False)
        # 69: a platform could not be reached; else 78: one refused our signature or key (ours to fix, as for any
        # command); else 2: the platforms refused the requests themselves
        if set(report.failures) - set(report.refused):
            raise typer.Exit(69)
        raise typer.Exit(78 if "credentials" in report.refused.values() else 2)
    raise typer.Exit(1 if report.remaining else 0)


@app.command("runs")
def runs_cmd(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """Stored reconciliation runs, newest first."""
    rows = [
        {
            **run.__dict__,
            "platform": run.platform or "all",
        }
        for run in stored.latest(bootstrap.open_store(bootstrap.load(config), read_only=True), limit)
    ]
    render(rows, RUN_COLUMNS, fmt, title="reconciliation runs", limit=limit)


@app.command("show")
def show_cmd(
    run_id: Annotated[int, typer.Argument(help="A run id from `docking reconcile runs`.")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One stored run: its summary (on stderr) and every difference it found, with what was done; --format json:
    one object, the run's summary with its `differences`."""
    run, differences = stored.load(bootstrap.open_store(bootstrap.load(config), read_only=True), run_id)
    rows = [{**d, "detail": mask_text(d["detail"] or "")} for d in differences]
    if fmt is Format.json:
        summary = {**run.__dict__, "detail": mask_text(run.detail or "")}  # platform null: every platform
        summary["difference_count"] = summary.pop("differences")  # `differences` is the list below
        print_object({**summary, "differences": rows})
        return
    render(rows, COLUMNS, fmt, title=f"run {run.id}")
    err.print(
        f"run {run.id} ({run.scope}{', repair' if run.repair else ''}, {run.platform or 'all platforms'}) by "
        f"{run.actor}, {china_text(run.started_at)}: {run.status}; {run.checked} checked, {run.in_flight} in "
        f"flight, {run.differences} difference(s), {run.repaired} repaired"
        + (f"; {mask_text(run.detail)}" if run.detail else ""),
        highlight=False,
    )


def _row(difference: Difference) -> dict[str, Any]:
    return {
        "case_id": difference.case_id or "",
        "platform": difference.platform,
        "platform_case_id": difference.platform_case_id,
        "ours": difference.ours.value if difference.ours else "",
        "theirs": difference.theirs.value if difference.theirs else "",
        "kind": difference.kind.value,
        "action": difference.action.value,
        "repaired": difference.repaired,
        "detail": mask_text(difference.detail),
    }


def _summary(report: ReconcileReport) -> None:
    kinds: dict[str, int] = {}
    for difference in report.differences:
        kinds[difference.kind.value] = kinds.get(difference.kind.value, 0) + 1
    by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    err.print(
        f"run {report.run_id}: checked {report.checked} case(s); {report.in_flight} in flight"
        + (f" ({len(report.arriving)} dispatched since our last poll)" if report.arriving else "")
        + "; "
        f"{report.listed} listed by the platforms; {len(report.differences)} difference(s)"
        + (f" ({by_kind})" if by_kind else "")
        + f"; {report.repaired} repaired; {len(report.remaining)} remaining → {report.status}",
        highlight=False,
    )
    if report.repaired:
        err.print("repairs are queued for delivery: run `docking reconcile` again once delivered", highlight=False)


class _ProgressBar:
    """Cases checked of the total, then the platforms' lists, on stderr (nothing when stderr is not a terminal)."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> "_ProgressBar":
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase not in self._tasks:
            self._tasks[phase] = self._bar.add_task(phase, total=total)
        self._bar.update(self._tasks[phase], completed=done, total=total)
