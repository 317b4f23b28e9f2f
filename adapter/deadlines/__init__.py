"""Deadlines (domain.md §3): working-day calendar, the statutory periods as data, per-court policy, and the
pure computation of a case's due dates from its facts. Nothing here writes to the database.

    calendar.py       WorkCalendar (chinesecalendar + the operator's holiday file), Deadline
    holiday_file.py   the operator's holiday file, validated
    rules.py          the periods of §3 as data, by flow and procedure
    config.py         DeadlinePolicy: statutory defaults, per-court overrides, the holiday file, warn window
    compute.py        CaseFacts → [DueDate]
    facts.py          CaseFacts from a case row and its history; `receipt`: where the acceptance clock starts
    engine.py         Deadlines: policy + calendar, the one engine the sweep, the CLI and the use cases ask
"""

from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from adapter.deadlines.compute import CaseFacts, DueDate, DueState, Extension, Suspension, at_risk, case_deadlines
from adapter.deadlines.config import DeadlinePolicy, Periods
from adapter.deadlines.engine import Deadlines
from adapter.deadlines.facts import Receipt, facts_from_history, receipt
from adapter.deadlines.rules import DeadlineKind, Rule, rules_for

__all__ = [
    "CaseFacts",
    "Deadline",
    "DeadlineKind",
    "DeadlinePolicy",
    "Deadlines",
    "DueDate",
    "DueState",
    "Extension",
    "Periods",
    "Receipt",
    "Rule",
    "Suspension",
    "WorkCalendar",
    "at_risk",
    "case_deadlines",
    "china_date",
    "facts_from_history",
    "receipt",
    "rules_for",
]
