"""`docking cases list|show`: what the adapter knows of each case, personal data masked."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from adapter.case_lookup import CaseFilter, find_cases, parse_when
from adapter.case_timeline import timeline
from adapter.errors import InvalidRequest
from adapter.persistence.tables import CaseRow
from adapter.states import CaseStatus
from cli.filters import note_unmatched
from cli.output import (
    ConfigOption,
    Format,
    FormatOption,
    console,
    print_object,
    refuse_csv,
    render,
    render_record,
)
from scheduler import bootstrap
from schemas.clock import china_text

app = typer.Typer(help="Inspect cases.", no_args_is_help=True)


class DatedBy(StrEnum):
    received = "received"  # created here: polled from the court's feed, or registered (flow C)
    dispatched = "dispatched"  # the court's publication of the dispatch, where it gave one


COLUMNS = ["id", "platform", "case_number", "flow", "cause", "amount", "status", "created_at", "updated_at"]


@app.command("list")
def list_cases(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="Only cases in this status, e.g. IN_MEDIATION.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform's cases.")] = None,
    case_number: Annotated[
        str | None, typer.Option("--case-number", help="Only this 案号 (any bracket form: （）, (), 〔〕, []).")
    ] = None,
    court: Annotated[
        str | None, typer.Option(help="Only this court's, by the code in its 案号 (粤0104) or its name.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Received (dispatched to us, or registered) on or after: 2026-11-23[T10:00].")
    ] = None,
    until: Annotated[str | None, typer.Option(help="… and before this (a date alone: up to its end).")] = None,
    dated: Annotated[
        DatedBy,
        typer.Option("--by", help="What --since/--until compare: our receipt, or the court's dispatch time."),
    ] = DatedBy.received,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """List cases, newest first; filters combine. Dates without a zone are China time."""
    if status is not None and status.upper() not in CaseStatus.__members__:
        raise InvalidRequest(f"--status {status!r} is not a case status; one of: {', '.join(CaseStatus)}")
    wanted = CaseFilter(
        status=status.upper() if status else None,
        platform=platform,
        case_number=case_number,
        court=court,
        since=parse_when(since, "--since") if since else None,
        until=parse_when(until, "--until", end_of_day=True) if until else None,
        by_dispatch=dated is DatedBy.dispatched,
    )
    uow = bootstrap.open_store(bootstrap.load(config), read_only=True)
    with uow.begin() as session:
        rows = [_row(case) for case in find_cases(session, wanted, limit=limit)]
        if not rows:
            note_unmatched(session, [("--platform", CaseRow.platform, platform)])
    render(rows, COLUMNS, fmt, title="cases", limit=limit)


@app.command("show")
def show(
    case_id: Annotated[
        str, typer.Argument(help="Our case id (MC-…), its 案号 in any bracket form, or the court's id.")
    ],
    config: ConfigOption = None,
    platform: Annotated[str | None, typer.Option(help="The platform, if a court's case id is not unique.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """One case, found by any of its three names (all three are shown): its flags (what to look at: an unknown
    court or type code, a phone of no known form), parties (masked), history and messages."""
    refuse_csv(fmt, "cases show", "has several tables")
    found = timeline(bootstrap.open_store(bootstrap.load(config), read_only=True), case_id, platform=platform)
    case, clock, flags = found.case, found.clock, found.flags
    parties, history, outbox = found.parties, found.history, found.messages
    case_id = case.id
    clock_line = f"acceptance clock from: {clock.source} {china_text(clock.at, seconds=False)}"
    if fmt is not Format.table:
        print_object(
            {
                **_show_row(case),
                "acceptance_clock": {"from": clock.source, "at": clock.at},
                "flags": flags,
                "parties": parties,
                "history": history,
                "messages": outbox,
            }
        )
        return
    render_record(_show_row(case), title=f"case {case_id}")
    console.print(clock_line)
    if flags:
        render([{"flag": flag} for flag in flags], ["flag"], fmt, title="flags")
    render(parties, ["name", "role", "kind", "id_type", "id_number", "phone", "phone_kind"], fmt, title="parties")
    render(history, ["at", "event", "from", "to", "actor", "note"], fmt, title="history")
    render(outbox, ["message_id", "type", "status", "attempts", "last_error"], fmt, title="messages")
    if case.agreement_effective_at:
        console.print(f"agreement effective at {china_text(case.agreement_effective_at)}")


def _row(case: CaseRow) -> dict[str, Any]:
    return {
        "id": case.id,
        "platform": case.platform or "—",
        "case_number": case.case_number or "—",
        "flow": case.flow,
        "cause": case.cause,
        "amount": case.amount,
        "status": case.status,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _show_row(case: CaseRow) -> dict[str, Any]:
    """Our id, the court's case id and the 案号 side by side, whichever the operator looked it up by."""
    row = _row(case)
    return {"id": row.pop("id"), "platform": row.pop("platform"), "court_case_id": case.platform_case_id, **row}
