"""`docking cases list|show`: what the adapter knows of each case, personal data masked."""

from typing import Annotated, Any

import typer
from sqlmodel import col, select

from adapter.cli.output import ConfigOption, Format, FormatOption, console, open_uow, render
from adapter.clock import CHINA, from_db
from adapter.deadlines import receipt
from adapter.errors import CaseNotFound, InvalidRequest
from adapter.masking import mask_id, mask_phone
from adapter.states import CaseStatus, Event
from adapter.tables import CaseEventRow, CaseRow, OutboxRow
from schemas.case import CaseDispatch

app = typer.Typer(help="Inspect cases.", no_args_is_help=True)

COLUMNS = ["id", "platform", "case_number", "flow", "cause", "amount", "status", "updated_at"]


@app.command("list")
def list_cases(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="Only cases in this status, e.g. IN_MEDIATION.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List cases, newest first."""
    if status is not None and status.upper() not in CaseStatus.__members__:
        raise InvalidRequest(f"--status {status!r} is not a case status; one of: {', '.join(CaseStatus)}")
    uow = open_uow(config)
    with uow.begin() as session:
        query = select(CaseRow).order_by(col(CaseRow.created_at).desc()).limit(limit)
        if status:
            query = query.where(CaseRow.status == status.upper())
        rows = [_row(case) for case in session.exec(query).all()]
    render(rows, COLUMNS, fmt, title="cases", limit=limit)


@app.command("show")
def show(case_id: str, config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """One case: its flags (what to look at: an unknown court or type code, a phone of no known form), parties
    (masked), history and messages."""
    if fmt is Format.csv:
        raise InvalidRequest("cases show has several tables; use --format table or --format json")
    uow = open_uow(config)
    with uow.begin() as session:
        case = session.get(CaseRow, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        dispatch = CaseDispatch.model_validate_json(case.dispatch_json)
        events = session.exec(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(col(CaseEventRow.id))
        ).all()
        messages = session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(col(OutboxRow.id))).all()
    parties = [
        {
            "name": p.name,
            "role": p.role.value,
            "kind": p.kind.value,
            "id_type": p.id_type.value,
            "id_number": mask_id(p.id_number),
            "phone": mask_phone(p.phone),
            "phone_kind": p.phone_kind.value if p.phone_kind else "",
        }
        for p in dispatch.parties
    ]
    # Flags are computed from the stored dispatch, so every case shows them, whenever and however it arrived; the
    # REGISTER event's detail keeps those seen on arrival. Never a number: a party is named by its place.
    flags = dispatch.flags
    history = [
        {"at": e.at, "event": e.event, "from": e.from_status, "to": e.to_status, "actor": e.actor} for e in events
    ]
    registered = next((from_db(e.at) for e in events if e.event == Event.REGISTER), None)
    clock = receipt(case, registered)
    clock_line = f"acceptance clock from: {clock.source} {clock.at.astimezone(CHINA):%Y-%m-%d %H:%M} CST"
    outbox = [
        {
            "message_id": m.message_id,
            "type": m.type,
            "status": m.status,
            "attempts": m.attempts,
            "last_error": m.last_error,
        }
        for m in messages
    ]
    if fmt is not Format.table:
        render(
            [
                {
                    **_row(case),
                    "acceptance_clock": {"from": clock.source, "at": clock.at.astimezone(CHINA).isoformat()},
                    "flags": flags,
                    "parties": parties,
                    "history": history,
                    "messages": outbox,
                }
            ],
            COLUMNS,
            fmt,
        )
        return
    render([_row(case)], COLUMNS, fmt, title=f"case {case_id}")
    console.print(clock_line)
    if flags:
        render([{"flag": flag} for flag in flags], ["flag"], fmt, title="flags")
    render(parties, ["name", "role", "kind", "id_type", "id_number", "phone", "phone_kind"], fmt, title="parties")
    render(history, ["at", "event", "from", "to", "actor"], fmt, title="history")
    render(outbox, ["message_id", "type", "status", "attempts", "last_error"], fmt, title="messages")
    if case.agreement_effective_at:
        console.print(f"agreement effective at {case.agreement_effective_at:%Y-%m-%d %H:%M:%S} UTC")


def _row(case: CaseRow) -> dict[str, Any]:
    return {
        "id": case.id,
        "platform": case.platform or "—",
        "case_number": case.case_number or "—",
        "flow": case.flow,
        "cause": case.cause,
        "amount": case.amount,
        "status": case.status,
        "updated_at": f"{case.updated_at:%Y-%m-%d %H:%M:%S}",
    }
