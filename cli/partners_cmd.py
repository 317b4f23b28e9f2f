"""`docking partners …`: the partner records of every kind (traffic platform, arbitration commissions, the SPC
roster — partners.md §2–§4): list (filters, cursor), show (personal numbers masked), act on a record or open one
with a kind's action from a JSON input file (refusals name the field and the rule, exit 2; a stale --if-version or a
status that does not allow the action says so, exit 2). The queue and the jobs are cli/partners_ops.py's."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from adapter.errors import InvalidRequest
from adapter.partners import views
from adapter.partners.service import ActionResult, run_action
from cli.output import ConfigOption, Format, FormatOption, console, print_object, refuse_csv, render, render_record
from cli.partner_tables import facts_table, list_table
from scheduler import bootstrap
from scheduler.partners import PartnerRuntime
from schemas.clock import utc_now
from schemas.partner import RECORD_PREFIX, PartnerKind

app = typer.Typer(help="Docking partners: traffic platform, arbitration, SPC roster (道交/仲调/总对总).",
                  no_args_is_help=True)  # fmt: skip
Actor = Annotated[str, typer.Option(envvar="USER", help="Who acts (the history's name for it; default $USER).")]
Input = Annotated[Path, typer.Option("--input", metavar="FILE.json", help="The action's input, one JSON object.")]


def partners_runtime(config: Path | None, *, connect: bool = False) -> PartnerRuntime:
    return bootstrap.partners(bootstrap.load(config), connect=connect)


@app.command("list")
def list_records(
    config: ConfigOption = None,
    kind: Annotated[PartnerKind | None, typer.Option(help="Only this kind.")] = None,
    partner: Annotated[str | None, typer.Option(help="Only this partner's (\\[partners.<name>]).")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. OFFERED.")] = None,
    after: Annotated[str | None, typer.Option(help="The cursor a previous page printed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """Partner records, oldest first; filters combine; `--after` the cursor printed under the previous page."""
    uow = bootstrap.open_store(bootstrap.load(config), read_only=True)
    rows, cursor = views.listed(uow, kind=kind.value if kind else None, partner=partner,
                                status=status.upper() if status else None, after=after, limit=limit)  # fmt: skip
    if fmt is Format.table:  # the few columns a person acts on; json and csv keep every field
        list_table(rows, "partner records")
    else:
        render(rows, views.LIST_COLUMNS, fmt, title="partner records")
    if cursor and fmt is Format.table:
        console.print(f"more: --after {cursor}")


@app.command("show")
def show(
    record_id: Annotated[str, typer.Argument(help="The record id (TR-…, AR-…, RO-…).")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One record: its columns, its facts (masked), its history and its messages to the partner."""
    refuse_csv(fmt, "partners show")
    record = views.shown(bootstrap.open_store(bootstrap.load(config), read_only=True), record_id)
    if fmt is not Format.table:
        print_object(record)
        return
    history, messages, facts = record.pop("history"), record.pop("messages"), record.pop("facts")
    render_record(record, f"partner record {record_id}")
    facts_table(facts)
    render(history, ["at", "event", "note", "from", "to", "actor", "detail"], fmt, title="history")
    render(messages, ["message_id", "type", "status", "attempts", "last_error"], fmt, title="messages to the partner")


def _read_input(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise InvalidRequest(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"{path} must hold one JSON object (the action's input)")
    return data


def _kind_of(record_id: str) -> PartnerKind:
    for kind, prefix in RECORD_PREFIX.items():
        if record_id.startswith(prefix):
            return kind
    known = ", ".join(f"{p}… ({k.value})" for k, p in RECORD_PREFIX.items())
    raise InvalidRequest(f"{record_id!r} is not a partner record id: they start {known}", field="record_id")


def _done(result: ActionResult) -> None:
    r = result.record
    queued = f", {len(result.queued)} message(s) queued" if result.queued else ""
    console.print(f"{r.record_id} {r.status} (version {r.version}){queued}")


@app.command("act")
def act(
    record_id: Annotated[str, typer.Argument(help="The record id.")],
    action: Annotated[str, typer.Argument(help="The kind's action, e.g. accept_offer.")],
    input_file: Input,
    if_version: Annotated[int | None, typer.Option("--if-version", help="Refuse unless at this version.")] = None,
    actor: Actor = "operator",
    config: ConfigOption = None,
) -> None:
    """Run a kind's action on a record, in one transaction: the status, the facts, the history and the messages
    to the partner, or nothing."""
    data, kind = _read_input(input_file), _kind_of(record_id)
    partners = partners_runtime(config)
    partner = str(views.shown(partners.uow, record_id)["partner"])
    try:
        result = run_action(
            partners.uow, kind, action, record_id, data, partner=partner, actor=f"cli:{actor}", now=utc_now(),
            rules=partners.rules_for(partner, kind), expected_version=if_version,
            services=bootstrap.centre_services(bootstrap.load(config), f"cli:{actor}"),  # JC through the court flows
        )  # fmt: skip
    except InvalidRequest as exc:  # the file's fault: named with it
        raise InvalidRequest(f"{input_file}: {exc}", field=exc.field, rule=exc.rule) from None
    _done(result)


@app.command("open")
def open_record(
    kind: Annotated[PartnerKind, typer.Argument(help="The kind.")],
    action: Annotated[str, typer.Argument(help="The kind's opening action, e.g. submit_application.")],
    partner: Annotated[str, typer.Option(help="The partner it is for (\\[partners.<name>]).")],
    input_file: Input,
    actor: Actor = "operator",
    config: ConfigOption = None,
) -> None:
    """Open a new record with a kind's opening action (an arbitration application, a roster entry …)."""
    data = _read_input(input_file)
    partners = partners_runtime(config)
    if partner not in partners.settings.partners:
        raise InvalidRequest(f"--partner {partner!r} is not a configured partner "
                             f"({', '.join(partners.settings.partners) or 'none'})", field="partner")  # fmt: skip
    try:
        result = run_action(partners.uow, kind, action, None, data, partner=partner, actor=f"cli:{actor}",
                            now=utc_now(), rules=partners.rules_for(partner, kind))  # fmt: skip
    except InvalidRequest as exc:
        raise InvalidRequest(f"{input_file}: {exc}", field=exc.field, rule=exc.rule) from None
    _done(result)
