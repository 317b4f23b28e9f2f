"""`docking roster …`: the SPC platform's rosters and self-received registrations (总对总, partners.md §4) —
organisations and mediators (IDs masked), upserts from a JSON file (drafted or changed, then submitted: an
organisation only with at least the required qualifying mediators [P46]), retirement, registration of closed
flow-C cases, and the platform's monthly statistics against ours. Refusals name the field and the rule (exit 2);
statistics that differ exit 1. The generic record commands are `docking partners …`."""

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from adapter.deadlines.calendar import china_date
from adapter.errors import InvalidRequest
from adapter.partners import roster_views as views
from adapter.partners.roster.states import RosterEntity
from adapter.partners.roster_checks import submit_entry
from adapter.partners.roster_registration import register_pending
from adapter.partners.roster_stats import reconcile_statistics
from adapter.partners.service import ActionResult, run_action
from cli.output import ConfigOption, Format, FormatOption, console, render
from cli.partners_cmd import _read_input, partners_runtime
from scheduler.partners import PartnerRuntime
from schemas.clock import utc_now
from schemas.partner import PartnerKind

app = typer.Typer(help="The SPC platform's rosters and self-received registrations (总对总).", no_args_is_help=True)
Actor = Annotated[str, typer.Option(envvar="USER", help="Who acts (the history's name for it; default $USER).")]
Partner = Annotated[str | None, typer.Option(help="The roster partner (\\[partners.<name>]); default: the only one.")]
ROSTER = PartnerKind.ROSTER


@app.command("orgs")
def orgs(config: ConfigOption = None, partner: Partner = None, fmt: FormatOption = Format.table) -> None:
    """Organisations on the roster: USCC, kind, status, the platform's id, mediators held."""
    runtime = partners_runtime(config)
    render(views.org_rows(runtime.uow, partner), views.ORG_COLUMNS, fmt, title="roster organisations")


@app.command("mediators")
def mediators(
    config: ConfigOption = None,
    partner: Partner = None,
    expiring: Annotated[str | None, typer.Option(help="Only terms ending within this many days, e.g. 30d.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Mediators (ID masked), or with --expiring those whose term ends within N calendar days, soonest first."""
    days = None if expiring is None else _days(expiring)
    runtime = partners_runtime(config)
    rows = views.mediator_rows(runtime.uow, china_date(utc_now()), expiring_days=days, partner=partner)
    render(rows, views.MEDIATOR_COLUMNS, fmt, title="roster mediators")


@app.command("upsert-org")
def upsert_org(
    file: Annotated[Path, typer.Argument(help="The organisation, one JSON object (schemas/roster.py Organisation).")],
    config: ConfigOption = None,
    partner: Partner = None,
    submit: Annotated[bool, typer.Option(help="Submit for certification once drafted or changed.")] = True,
    actor: Actor = "operator",
) -> None:
    """Draft an organisation (or change its entry) and submit it; refused while it has fewer than the required
    qualifying mediators (rule min_qualifying_mediators), and then nothing is sent."""
    _upsert(config, partner, file, RosterEntity.ORGANISATION, "uscc", submit, actor)


@app.command("upsert-mediator")
def upsert_mediator(
    file: Annotated[Path, typer.Argument(help="The mediator, one JSON object (schemas/roster.py Mediator).")],
    config: ConfigOption = None,
    partner: Partner = None,
    submit: Annotated[bool, typer.Option(help="Submit for certification once drafted or changed.")] = True,
    actor: Actor = "operator",
) -> None:
    """Draft a mediator (or change their entry) and submit it."""
    _upsert(config, partner, file, RosterEntity.MEDIATOR, "ref", submit, actor)


@app.command("retire")
def retire(
    ref: Annotated[str, typer.Argument(help="The mediator's ref, or an organisation's USCC.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the history and sent to the platform).")],
    config: ConfigOption = None,
    actor: Actor = "operator",
) -> None:
    """Take a mediator (or an organisation) off the roster; the platform is told."""
    runtime = partners_runtime(config)
    record = views.entry_by_subject(runtime.uow, ref, RosterEntity.MEDIATOR) or views.entry_by_subject(
        runtime.uow, ref, RosterEntity.ORGANISATION
    )
    if record is None:
        raise InvalidRequest(f"no roster entry has ref or USCC {ref!r}", field="ref", rule="unknown_entry")
    _done(_act(runtime, "retire", record.record_id, {"reason": reason}, record.partner, actor))


@app.command("register-pending")
def register(
    config: ConfigOption = None,
    partner: Partner = None,
    actor: Actor = "registration",
    fmt: FormatOption = Format.table,
) -> None:
    """Open a registration for each closed self-received (flow C) case not yet registered with the platform (due
    within the partner's register_working_days working days of closing); list those that must wait, and why."""
    runtime = partners_runtime(config)
    name = _partner(runtime, partner)
    run = register_pending(runtime.uow, partner=name, rules=runtime.rules_for(name, ROSTER), actor=f"cli:{actor}",
                           now=utc_now())  # fmt: skip
    rows = [{"case": c, "registration": r, "waiting": ""} for c, r in run.opened.items()]
    rows += [{"case": c, "registration": "", "waiting": why} for c, why in run.waiting.items()]
    render(rows, ["case", "registration", "waiting"], fmt, title="self-received registrations")


@app.command("stats")
def stats(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM (China time).")],
    config: ConfigOption = None,
    partner: Partner = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The platform's statistics for a month against ours (organisations and mediators certified, cases
    registered); exit 1 when they differ."""
    runtime = partners_runtime(config, connect=True)
    name = _partner(runtime, partner)
    report = reconcile_statistics(runtime.uow, runtime.ports[name], month)
    theirs = report.theirs or {}
    keys = sorted(set(report.ours) | set(theirs))
    rows = [{"count": k, "ours": report.ours.get(k, 0), "theirs": theirs.get(k, 0) if report.theirs is not None else "",
             "differs": k in report.differences} for k in keys]  # fmt: skip
    render(rows, ["count", "ours", "theirs", "differs"], fmt, title=f"statistics {month}")
    if report.differences:
        if fmt is Format.table:
            console.print(f"{len(report.differences)} count(s) differ from the platform's")
        raise typer.Exit(1)


def _days(text: str) -> int:
    match = re.fullmatch(r"([0-9]{1,4})d?", text.strip())
    if match is None:
        raise InvalidRequest(f"--expiring {text!r}: give days, e.g. 30d", field="expiring", rule="days")
    return int(match.group(1))


def _partner(runtime: PartnerRuntime, given: str | None) -> str:
    kinds = {name: config.kind.value for name, config in runtime.settings.partners.items()}
    return views.roster_partner(kinds, given)


def _act(
    runtime: PartnerRuntime, action: str, record_id: str | None, data: Any, partner: str, actor: str
) -> ActionResult:
    return run_action(runtime.uow, ROSTER, action, record_id, data, partner=partner if record_id is None else None,
                      actor=f"cli:{actor}", now=utc_now(), rules=runtime.rules_for(partner, ROSTER))  # fmt: skip


def _upsert(config: Path | None, partner: str | None, file: Path, entity: RosterEntity, key: str, submit: bool,
            actor: str) -> None:  # fmt: skip
    data = _read_input(file)
    runtime = partners_runtime(config)
    name = _partner(runtime, partner)
    field = "organisation" if entity is RosterEntity.ORGANISATION else "mediator"
    existing = views.entry_by_subject(runtime.uow, str(data.get(key, "")), entity)
    try:
        if existing is None or existing.closed_at is not None:
            result = _act(runtime, f"upsert_{'org' if field == 'organisation' else 'mediator'}", None, {field: data},
                          name, actor)  # fmt: skip
        else:
            result = _act(runtime, f"edit_{'org' if field == 'organisation' else 'mediator'}", existing.record_id,
                          {field: data}, existing.partner, actor)  # fmt: skip
        _done(result)
        if submit and result.record.status in ("DRAFT", "REJECTED"):
            _done(submit_entry(runtime.uow, result.record.record_id, actor=f"cli:{actor}", now=utc_now(),
                               rules=runtime.rules_for(name, ROSTER)))  # fmt: skip
    except InvalidRequest as exc:  # the file's fault: named with it
        raise InvalidRequest(f"{file}: {exc}", field=exc.field, rule=exc.rule) from None


def _done(result: ActionResult) -> None:
    r = result.record
    queued = f", {len(result.queued)} message(s) queued" if result.queued else ""
    console.print(f"{r.record_id} {r.subject} {r.status} (version {r.version}){queued}")
