"""Day-counted deadlines (domain.md §3): start the next day; a period ending on a rest day runs to the next
working day [S3 Art 85]. Rest days come from the Chinese holiday calendar with make-up working days (调休).

A year the calendar does not cover is never guessed silently: the deadline falls back to weekends only and is
marked `estimated`, and a warning names the year. (Working-day periods, per-court overrides and an
operator-supplied holiday file come with the deadline sweep.)
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from adapter.clock import CHINA, from_db

log = logging.getLogger("docking.deadlines")


@dataclass(frozen=True)
class Deadline:
    last_day: date  # the last day on which the act may be done, China time
    estimated: bool  # the holiday calendar had no data for a year involved

    @property
    def closes_at(self) -> datetime:
        """The first instant after the period: midnight at the end of `last_day`, China time."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=CHINA)


def is_rest_day(day: date) -> tuple[bool, bool]:
    """(rest day?, estimated?) — weekends and statutory holidays rest, make-up working days do not."""
    try:
        return chinese_calendar.is_holiday(day), False
    except NotImplementedError:
        log.warning("holiday calendar has no data for %d; counting weekends only for %s", day.year, day)
        return day.weekday() >= 5, True


def calendar_period(start: datetime, days: int) -> Deadline:
    """The deadline of a `days`-day period whose clock starts at `start` (e.g. the JC window's 30 days)."""
    last_day = from_db(start).astimezone(CHINA).date() + timedelta(days=days)
    estimated = False
    while True:
        rest, guessed = is_rest_day(last_day)
        estimated = estimated or guessed
        if not rest:
            return Deadline(last_day, estimated)
        last_day += timedelta(days=1)
