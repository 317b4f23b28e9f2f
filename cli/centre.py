"""`docking centre …`: the centre's use cases from the command line (what the centre's case system calls)."""

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from adapter.errors import InvalidRequest
from adapter.services import CentreServices
from cli.output import ConfigOption, console
from scheduler import bootstrap
from schemas.agreement import MediationAgreement
from schemas.case import CaseDispatch
from schemas.enums import DeclineReason, OutcomeCode
from schemas.outcome import FailureReport
from schemas.validation import summarize

app = typer.Typer(help="Act on a case as the mediation centre.", no_args_is_help=True)
CaseArg = Annotated[str, typer.Argument(help="The adapter's case id (see `docking cases list`).")]


def _services(config: Path | None) -> CentreServices:
    return bootstrap.centre_services(bootstrap.load(config), "centre:cli")


def _done(case_id: str, status: object) -> None:
    console.print(f"{case_id}: {status}")


@app.command()
def accept(case_id: CaseArg, config: ConfigOption = None) -> None:
    """Accept a dispatched case (within 3 working days of receipt)."""
    _done(case_id, _services(config).accept(case_id))


@app.command()
def decline(
    case_id: CaseArg,
    reason: Annotated[DeclineReason, typer.Option()],
    note: str = "",
    config: ConfigOption = None,
) -> None:
    """Decline a dispatched case, with the reason the rules allow."""
    _done(case_id, _services(config).decline(case_id, reason, note))


@app.command()
def assign(case_id: CaseArg, mediator: Annotated[str, typer.Option()], config: ConfigOption = None) -> None:
    """Assign (or replace) the mediator."""
    _done(case_id, _services(config).assign_mediator(case_id, mediator))


@app.command()
def session(case_id: CaseArg, note: str = "", config: ConfigOption = None) -> None:
    """Record a mediation session."""
    _done(case_id, _services(config).hold_session(case_id, note))


@app.command()
def suspend(case_id: CaseArg, note: Annotated[str, typer.Option()], config: ConfigOption = None) -> None:
    """Suspend mediation (e.g. suspected sham mediation), with the reason."""
    _done(case_id, _services(config).suspend(case_id, note))


@app.command()
def resume(case_id: CaseArg, note: str = "", config: ConfigOption = None) -> None:
    """Resume a suspended mediation."""
    _done(case_id, _services(config).resume(case_id, note))


@app.command()
def extend(
    case_id: CaseArg,
    until: Annotated[str, typer.Option(help="New due date, YYYY-MM-DD.")],
    config: ConfigOption = None,
) -> None:
    """Extend the mediation period with all parties' consent."""
    try:
        new_due = date.fromisoformat(until)
    except ValueError:
        raise InvalidRequest(f"--until {until!r} is not a date like 2026-12-31") from None
    _done(case_id, _services(config).extend(case_id, new_due))


@app.command()
def fail(
    case_id: CaseArg,
    code: Annotated[int, typer.Option(min=2, max=8, help="Outcome code 2–8.")],
    reason: Annotated[str, typer.Option()],
    facts: str = "",
    config: ConfigOption = None,
) -> None:
    """End the mediation without agreement; the case goes back to its court."""
    report = FailureReport(facts=facts, reason=reason)
    _done(case_id, _services(config).record_failure(case_id, OutcomeCode(code), report))


@app.command()
def agreement(
    case_id: CaseArg,
    agreement_file: Annotated[Path, typer.Option("--agreement", help="Agreement JSON (canonical schema).")],
    document: Annotated[Path, typer.Option(help="The signed agreement PDF.")],
    config: ConfigOption = None,
) -> None:
    """Submit the signed agreement and its document; it takes effect at the last party's signature."""
    try:
        parsed = MediationAgreement.model_validate_json(agreement_file.read_bytes())
        content = document.read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValidationError as exc:
        raise InvalidRequest(f"{agreement_file} is not a valid agreement: {summarize(exc)}") from None
    _done(case_id, _services(config).submit_agreement(case_id, parsed, content))


@app.command()
def jc(
    case_id: CaseArg,
    applicant: Annotated[str, typer.Option()],
    consenting: Annotated[str, typer.Option()],
    platform: Annotated[str | None, typer.Option(help="Court platform (self-received cases only).")] = None,
    config: ConfigOption = None,
) -> None:
    """Apply jointly for judicial confirmation (within 30 days of the agreement taking effect)."""
    _done(case_id, _services(config).apply_jc(case_id, applicant, consenting, platform))


@app.command()
def close(case_id: CaseArg, note: str = "performed voluntarily", config: ConfigOption = None) -> None:
    """Close a case whose agreement was performed without judicial confirmation."""
    _done(case_id, _services(config).close_performed(case_id, note))


@app.command()
def register(
    case_file: Annotated[Path, typer.Argument(help="Case JSON (canonical CaseDispatch, flow self_received).")],
    config: ConfigOption = None,
) -> None:
    """Register a case a party brought to the centre directly (flow C)."""
    try:
        dispatch = CaseDispatch.model_validate(json.loads(case_file.read_bytes()))
        case_id = _services(config).register_self_received(dispatch)  # its 案号 is read there
    except OSError as exc:
        raise InvalidRequest(f"cannot read {case_file}: {exc.strerror}") from None
    except ValueError as exc:  # JSONDecodeError and ValidationError are both ValueErrors
        detail = summarize(exc) if isinstance(exc, ValidationError) else str(exc)
        raise InvalidRequest(f"{case_file} is not a valid case: {detail}") from None
    console.print(case_id)
