"""Working days and day-counted periods in China time: the `chinesecalendar` package layered under the
operator's holiday file (domain.md §3 "Counting", "Working days").

Lookup order for a date: the holiday file's entry for it; else the package, if it covers the year; else, if the
file declares the year, weekends rest; else the year is unknown — weekends rest, the answer is marked
`estimated`, and a WARNING names the year (once per year per process: `missing_year`, also called for the
start-up check). A silent guess is never made [S27]. Each calendar also remembers the years it had to estimate
(`estimated_years`), so `docking deadlines` can say so under its table.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar

from adapter.deadlines.holiday_file import HolidayTable, load_holiday_file
from schemas.clock import CHINA, from_db

log = logging.getLogger("docking.deadlines")

# The years the installed package knows (1.11: 2004–2026). Read from its data, not hard-coded, so that an
# upgrade widens coverage on its own; a year outside raises NotImplementedError in the package.
PACKAGE_YEARS: frozenset[int] = frozenset(d.year for d in chinese_calendar.holidays)

_warned_years: set[int] = set()  # per process: every calendar and the start-up check share it
_warned_lock = threading.Lock()


def forget_missing_years() -> None:
    """Start the once-per-process record afresh (for tests that count the warning)."""
    with _warned_lock:
        _warned_years.clear()


def missing_year(year: int) -> None:
    """Log, once per process, that `year` has no holiday data — however many calendars or jobs meet it."""
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    log.warning(
        "holiday calendar has no data for %d (neither chinesecalendar nor the holiday file covers it): deadlines "
        "in %d count weekends only and are marked estimated; add %d to the holiday file ([deadlines] "
        "holiday_file) once the State Council publishes it",
        year,
        year,
        year,
    )


@dataclass(frozen=True)
class Deadline:
    last_day: date  # the last day on which the act may be done, China time
    estimated: bool  # the holiday calendar had no data for a year involved

    @property
    def closes_at(self) -> datetime:
        """The first instant after the period: midnight at the end of `last_day`, China time."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=CHINA)


class WorkCalendar:
    """Which days are working days. Pure apart from noting years without data; build one at start-up."""

    def __init__(self, table: HolidayTable | None = None, *, package: bool = True) -> None:
        self.table = table or HolidayTable()
        self._package_years = PACKAGE_YEARS if package else frozenset()
        self.estimated_years: set[int] = set()  # years this calendar met without data (see the module docstring)

    @classmethod
    def from_file(cls, holiday_file: Path | None) -> "WorkCalendar":
        """The package plus the operator's holiday file, if any; ConfigError if the file is wrong."""
        if holiday_file is None:
            return cls()
        return cls(load_holiday_file(holiday_file, PACKAGE_YEARS))

    def coverage(self, years: range | list[int] | set[int]) -> list[int]:
        """The years among `years` that neither the package nor the holiday file covers (sorted)."""
        return sorted(y for y in set(years) if y not in self._package_years and y not in self.table.years)

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(working day?, estimated?) — weekends and holidays rest; make-up working days (调休) work."""
        kind = self.table.kind_of(day)
        if kind is not None:
            return kind == "workday", False
        if day.year in self._package_years:
            return chinese_calendar.is_workday(day), False
        weekday = day.weekday() < 5
        if day.year in self.table.years:
            return weekday, False
        if day.year not in self.estimated_years:
            self.estimated_years.add(day.year)
            missing_year(day.year)
        return weekday, True

    def next_working_day(self, day: date) -> Deadline:
        """`day` itself if it is a working day, else the next one [S3 Art 85]."""
        estimated = False
        while True:
            working, guessed = self.is_working_day(day)
            estimated = estimated or guessed
            if working:
                return Deadline(day, estimated)
            day += timedelta(days=1)

    def calendar_days(self, start: date, n: int) -> Deadline:
        """An n-day period: counting starts the day after `start`; a last day that is a rest day runs to the
        next working day [S3 Art 85]. Only the end is checked — rest days inside the period count."""
        if n < 0:
            raise ValueError(f"a period cannot have {n} days")
        return self.next_working_day(start + timedelta(days=n))

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The n-th working day after `start` (so a period starting on a holiday loses nothing) [S2 Art 12]."""
        if n < 0:
            raise ValueError(f"a period cannot have {n} working days")
        if n == 0:
            return self.next_working_day(start)
        day, counted, estimated = start, 0, False
        while counted < n:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            estimated = estimated or guessed
            counted += working
        return Deadline(day, estimated)


def china_date(at: datetime) -> date:
    """The China-time date of a stored or aware instant (SQLite gives zone-less UTC back)."""
    return from_db(at).astimezone(CHINA).date()
