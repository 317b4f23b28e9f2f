"""`docking deadlines --within 3d`: the open cases and complaints whose deadlines close soon or have passed."""

import logging
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from adapter.config.partners import partner_rules
from adapter.deadlines import Deadlines
from adapter.deadlines.closing import closing_within, parse_span
from adapter.deadlines.complaint_sweep import count_open_complaints
from adapter.deadlines.sweep import count_open
from adapter.partners.sweep import rules_lookup
from cli.output import ConfigOption, Format, FormatOption, err, render
from scheduler import bootstrap
from schemas.clock import utc_now

# `kind` last: "case" or "complaint" (then `case` is the complaint id and `court_case` its desk and reference), or a
# partner kind — traffic, arbitration, roster (then `case` is the partner record's id and `court_case` its partner).
COLUMNS = [
    "case", "court_case", "status", "deadline", "last_day", "state", "closes_in_hours", "estimated", "rule", "kind",
]  # fmt: skip
# The table leads with the kind and labels the second column by it (a partner record is no court case).
TABLE_COLUMNS = ["kind", "case", "of", *(c for c in COLUMNS if c not in ("case", "court_case", "kind"))]
_OF = {"case": "court case", "complaint": "desk"}  # any other kind is a docking partner's record


def _of(row: dict[str, object]) -> str:
    """ "court case <ref>", "desk <desk and reference>" or "partner <name>", by the row's kind."""
    return f"{_OF.get(str(row.get('kind')), 'partner')} {row.get('court_case') or ''}".strip()


def deadlines(
    within: Annotated[str, typer.Option(help="How far ahead: e.g. 3d, 36h, 2w. Passed ones always show.")] = "3d",
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Cases, complaints and partner records at risk: every open deadline (domain.md §3; complaints partners.md
    §1; partners §2–§4) closing within --within, and every one already passed; the last column says which kind
    each row is (case, complaint, traffic, arbitration, roster)."""
    horizon = parse_span(within, "--within")
    settings = bootstrap.load(config)
    uow = bootstrap.open_store(settings, read_only=True)
    # The note under the table says it for this command; the log line would say it twice.
    logging.getLogger("docking.deadlines").setLevel(logging.ERROR)
    engine = Deadlines.from_policy(settings.deadlines)
    now = utc_now()
    bar = Progress(TextColumn("[bold]open cases and complaints"), BarColumn(), MofNCompleteColumn(), console=err,
                   transient=True)  # fmt: skip
    with bar:
        task = bar.add_task("scan", total=count_open(uow) + count_open_complaints(uow))
        tick = lambda n: bar.advance(task, n)  # noqa: E731
        complaints = settings.complaints.deadlines
        partners = rules_lookup({name: partner_rules(name, c) for name, c in settings.partners.items()})
        rows = closing_within(uow, engine, now, horizon, progress=tick, complaints=complaints, partners=partners)
    if fmt is Format.table:  # a person reads what `court_case` holds by the row's kind: a court case, desk, partner
        rows = [{**row, "of": _of(row)} for row in rows]
    columns = TABLE_COLUMNS if fmt is Format.table else COLUMNS
    render(rows, columns, fmt, title=f"deadlines closing within {within} (and passed) — days in China time")
    if fmt is Format.table and not rows:
        err.print(f"no open deadline closes within {within}")
    for year in sorted(engine.calendar.estimated_years):
        err.print(
            f"note: the holiday calendar has no data for {year}: deadlines in {year} count weekends only and are "
            f"marked estimated; add {year} to the holiday file ([deadlines] holiday_file) once it is published",
            highlight=False,
            markup=False,
        )
