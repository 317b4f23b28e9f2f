"""Deadlines: the one deadline engine — the configured policy and calendar, asked by everything that decides
on a deadline (the sweep, `docking deadlines`, the centre's use cases), so no two of them can disagree.

Built once at start-up from `[deadlines]` (the statutory periods, per-court overrides, the operator's holiday
file); a use case that checked a period against the bare package calendar would ignore the holiday file and a
court's own period (issue #12: a JC application refused on a day `docking deadlines` showed open).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueDate, case_deadlines
from adapter.deadlines.config import DeadlinePolicy
from adapter.deadlines.facts import StoredCase, StoredEvent, facts_from_history
from adapter.deadlines.rules import DeadlineKind


@dataclass(frozen=True)
class Deadlines:
    """`policy` (statutory defaults + court overrides) over `calendar` (package + holiday file)."""

    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @classmethod
    def from_policy(cls, policy: DeadlinePolicy) -> "Deadlines":
        """The engine for a `[deadlines]` table; ConfigError if its holiday file is wrong."""
        return cls(policy, WorkCalendar.from_file(policy.holiday_file))

    def for_case(self, case: StoredCase, events: Iterable[StoredEvent], now: datetime) -> list[DueDate]:
        """Every started deadline of a stored case, with its state at `now` (see compute.case_deadlines)."""
        return case_deadlines(facts_from_history(case, events), self.policy, self.calendar, now)

    def due(self, case: StoredCase, events: Iterable[StoredEvent], kind: DeadlineKind, now: datetime) -> DueDate | None:
        """One deadline of a stored case, or None while its clock has not started or it does not apply."""
        return next((d for d in self.for_case(case, events, now) if d.kind is kind), None)
