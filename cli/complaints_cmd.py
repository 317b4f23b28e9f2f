"""`docking complaints …`: receive a complaint from a file, list and show them (personal numbers masked), the
centre's actions (withdraw, visit, close, review, small-claim, to-mediation), and the desk queue (dead, replay,
deliver, poll, reconcile). Refusals name the input and the rule (exit 2); a complaint in the wrong status for the
action says what is allowed there (exit 2)."""

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from adapter.case_lookup import parse_when
from adapter.complaints import views
from adapter.complaints.guards import read_complaint
from adapter.complaints.states import ComplaintStatus
from adapter.errors import InvalidRequest
from cli.output import ConfigOption, Format, FormatOption, console, print_object, refuse_csv, render, render_record
from scheduler import bootstrap
from scheduler.complaints import ComplaintRuntime
from schemas.complaint import Track

app = typer.Typer(help="Complaints forwarded to institutions' complaint desks (投诉转办).", no_args_is_help=True)
Actor = Annotated[str, typer.Option(envvar="USER", help="Who acts (the history's name for it; default $USER).")]
Version = Annotated[int | None, typer.Option(help="Refuse if the complaint is no longer at this version.")]


def complaints_runtime(config: Path | None, *, connect: bool = False) -> ComplaintRuntime:
    return bootstrap.complaints(bootstrap.load(config), connect=connect)


@app.command("receive")
def receive(
    complaint_file: Annotated[Path, typer.Argument(metavar="FILE.json", help="The complaint (canonical Complaint).")],
    actor: Actor = "operator",
    config: ConfigOption = None,
) -> None:
    """Receive a complaint: checked (identifiers, representative's document, codes, track, cap, a desk for its
    institution), then merged into an earlier one it repeats without new facts, or forwarded to its desk."""
    try:
        data = json.loads(complaint_file.read_bytes())
    except OSError as exc:
        raise InvalidRequest(f"cannot read {complaint_file}: {exc.strerror}") from None
    except ValueError as exc:
        raise InvalidRequest(f"{complaint_file} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"{complaint_file} must hold one JSON object (a complaint)")
    try:
        complaint = read_complaint(data)
        status = complaints_runtime(config).services(f"cli:{actor}").receive(complaint)
    except InvalidRequest as exc:  # the file's fault: named with it, whichever check refused it
        raise InvalidRequest(f"{complaint_file}: {exc}", field=exc.field, rule=exc.rule) from None
    console.print(f"{complaint.complaint_id} {status.value}")


@app.command("list")
def list_complaints(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. FORWARDED.")] = None,
    desk: Annotated[str | None, typer.Option(help="Only this desk's (\\[desks.<name>]).")] = None,
    track: Annotated[Track | None, typer.Option(help="Only this track.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List complaints, newest first; filters combine. No personal data is shown."""
    if status is not None and status.upper() not in ComplaintStatus.__members__:
        raise InvalidRequest(f"--status {status!r} is not a complaint status; one of: {', '.join(ComplaintStatus)}")
    uow = bootstrap.open_store(bootstrap.load(config), read_only=True)
    rows = views.listed(
        uow, status=status.upper() if status else None, desk=desk, track=track.value if track else None, limit=limit
    )
    render(rows, views.LIST_COLUMNS, fmt, title="complaints", limit=limit)


_FIRST = (
    "complaint_id", "status", "desk", "desk_ref", "track", "channel", "institution_name", "institution_uscc",
    "complainant", "representative", "business", "cause", "amount", "request", "facts",
    "received_at", "forwarded_at", "acknowledged_at", "decided_at", "decision_result", "remedy_amount", "case_id",
)  # fmt: skip


@app.command("show")
def show(
    complaint_id: Annotated[str, typer.Argument(help="The complaint id.")],
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One complaint: its state, the complainant (masked), its history and its messages to the desk."""
    refuse_csv(fmt, "complaints show")
    record = views.shown(bootstrap.open_store(bootstrap.load(config), read_only=True), complaint_id)
    if fmt is not Format.table:
        print_object(record)
        return
    history, messages = record.pop("history"), record.pop("messages")
    first = {k: record.pop(k) for k in _FIRST if k in record}  # who, where, what first; the row's other columns after
    render_record({**first, **record}, f"complaint {complaint_id}")
    render(history, ["at", "event", "from", "to", "actor", "detail"], fmt, title="history")
    render(messages, ["message_id", "type", "status", "attempts", "last_error"], fmt, title="messages to the desk")


def _done(complaint_id: str, status: object) -> None:
    console.print(f"{complaint_id} {getattr(status, 'value', status)}")


@app.command("withdraw")
def withdraw(
    complaint_id: str, reason: Annotated[str, typer.Option(help="Why.")] = "", actor: Actor = "operator",
    version: Version = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """The complainant withdrew: handling ends and the desk is told."""
    _done(
        complaint_id,
        complaints_runtime(config).services(f"cli:{actor}").withdraw(complaint_id, reason, version=version),
    )


@app.command("visit")
def visit(
    complaint_id: str,
    satisfaction: Annotated[int, typer.Option(help="1 (very dissatisfied) … 5 (very satisfied).")],
    note: str = "", actor: Actor = "operator", version: Version = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """The return visit (回访) with the complainant's satisfaction."""
    services = complaints_runtime(config).services(f"cli:{actor}")
    _done(complaint_id, services.visit(complaint_id, satisfaction, note, version=version))


@app.command("close")
def close(
    complaint_id: str, note: str = "", actor: Actor = "operator", version: Version = None, config: ConfigOption = None
) -> None:
    """Close a decided, paid, reviewed or visited complaint."""
    _done(complaint_id, complaints_runtime(config).services(f"cli:{actor}").close(complaint_id, note, version=version))


@app.command("review")
def review(
    complaint_id: str, grounds: Annotated[str, typer.Option(help="Why the complainant disputes the decision.")],
    actor: Actor = "operator", version: Version = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """Ask the institution to review its decision (核查); the desk is told."""
    services = complaints_runtime(config).services(f"cli:{actor}")
    _done(complaint_id, services.request_review(complaint_id, grounds, version=version))


@app.command("small-claim")
def small_claim(
    complaint_id: str,
    amount: Annotated[str, typer.Option(help="Yuan, e.g. 860.00: within the memorandum's cap.")],
    mediator: Annotated[str, typer.Option(help="The mediator deciding.")],
    actor: Actor = "operator", version: Version = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """The mediator's small-claim decision within the authority the institution delegates; the desk is told."""
    try:
        yuan = Decimal(amount)
    except InvalidOperation:
        raise InvalidRequest(f"--amount {amount!r} is not an amount in yuan such as 860.00", field="amount") from None
    if not yuan.is_finite() or yuan < 0 or yuan != yuan.quantize(Decimal("0.01")):
        raise InvalidRequest(f"--amount {amount!r}: yuan, not negative, at most two decimals", field="amount")
    services = complaints_runtime(config).services(f"cli:{actor}")
    _done(complaint_id, services.small_claim_decide(complaint_id, yuan, mediator, version=version))


@app.command("to-mediation")
def to_mediation(
    complaint_id: str,
    complainant_consented: Annotated[str, typer.Option(help="When the complainant consented: 2026-11-23T10:00.")],
    institution_consented: Annotated[str, typer.Option(help="When the institution consented.")],
    note: str = "", actor: Actor = "operator", version: Version = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """Both parties consented: open a flow-C case for the complaint (its history carried over); prints the case id."""
    at: list[datetime] = [
        parse_when(complainant_consented, "--complainant-consented"),
        parse_when(institution_consented, "--institution-consented"),
    ]
    services = complaints_runtime(config).services(f"cli:{actor}")
    case_id = services.convert_to_mediation(complaint_id, at[0], at[1], note, version=version)
    console.print(f"{complaint_id} TO_MEDIATION case {case_id}")
