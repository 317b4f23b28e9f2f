"""The operator-supplied holiday file: statutory holidays and make-up working days (调休) for years, or single
dates, that the `chinesecalendar` package lacks or gets wrong (domain.md §3 "Working days" [S27]).

    source = "国务院办公厅关于2027年部分节假日安排的通知"   # optional, for whoever reads the file next
    years = [2027]            # years this file covers completely: not estimated, even with no holiday listed

    [[day]]
    date = 2027-01-01         # a TOML date, or the string "2027-01-01"
    kind = "holiday"          # a rest day, whatever the weekday
    name = "元旦"              # optional

    [[day]]
    date = 2027-02-20
    kind = "workday"          # a make-up working day (调休), even on a weekend

A listed date overrides the package. A date must fall in a declared year or in a year the package covers:
listing one 2028 holiday must not make the rest of 2028 look known. Every problem is a ConfigError naming the
file, the entry and what to change.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from adapter.config.tomlfile import read_toml
from adapter.errors import ConfigError

DayKind = Literal["holiday", "workday"]
KINDS: tuple[DayKind, ...] = ("holiday", "workday")
_TOP_KEYS = {"source", "years", "day"}
_DAY_KEYS = {"date", "kind", "name"}

Fail = Callable[[str], ConfigError]


@dataclass(frozen=True)
class HolidayTable:
    """What a holiday file says: the years it covers completely, and the dates it lists (date → kind, name)."""

    years: frozenset[int] = frozenset()
    days: Mapping[date, tuple[DayKind, str]] = field(default_factory=dict)
    source: str = ""

    def kind_of(self, day: date) -> DayKind | None:
        found = self.days.get(day)
        return None if found is None else found[0]


def load_holiday_file(path: Path, package_years: frozenset[int]) -> HolidayTable:
    """The table in `path`, validated; ConfigError naming the file, the entry and the problem."""
    data = read_toml(path, "holiday file", missing_hint="; fix deadlines.holiday_file")
    return parse_holiday_table(data, where=f"holiday file {path}", package_years=package_years)


def parse_holiday_table(data: dict[str, Any], *, where: str, package_years: frozenset[int]) -> HolidayTable:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{where}: {problem}")

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; expected source, years and [[day]] entries")
    source = data.get("source", "")
    if not isinstance(source, str):
        raise fail("source must be a string")
    years = _years(data.get("years", []), fail)
    raw_days = data.get("day", [])
    if not isinstance(raw_days, list):
        raise fail("day must be an array of tables: write each entry as [[day]]")
    seen: dict[date, int] = {}
    days: dict[date, tuple[DayKind, str]] = {}
    for number, entry in enumerate(raw_days, start=1):
        day, kind, name = _entry(entry, _prefixed(fail, f"day entry {number}: "))
        if day.year not in years and day.year not in package_years:
            raise fail(
                f"day entry {number} ({day}): {day.year} is neither declared in `years` nor covered by the "
                f"chinesecalendar package; once the file lists all of {day.year}'s holidays and make-up "
                f"working days, add {day.year} to years"
            )
        if day in days:
            first_kind = days[day][0]
            if first_kind != kind:
                raise fail(
                    f"day entry {number} ({day}) says {kind} but day entry {seen[day]} says {first_kind}; "
                    "keep the right one"
                )
            continue  # the same fact twice is harmless
        seen[day] = number
        days[day] = (kind, name)
    return HolidayTable(frozenset(years), days, source)


def _prefixed(fail: Fail, prefix: str) -> Fail:
    return lambda problem: fail(prefix + problem)


def _years(value: object, fail: Fail) -> set[int]:
    if not isinstance(value, list):
        raise fail("years must be a list of years, e.g. years = [2027]")
    years: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1949 <= item <= 2100:
            raise fail(f"years: {item!r} is not a year between 1949 and 2100")
        years.add(item)
    return years


def _entry(entry: object, fail: Fail) -> tuple[date, DayKind, str]:
    if not isinstance(entry, dict):
        raise fail("must be a table with date and kind")
    unknown = sorted(set(entry) - _DAY_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; expected date, kind and name")
    if "date" not in entry or "kind" not in entry:
        raise fail("needs both date and kind")
    raw, kind, name = entry["date"], entry["kind"], entry.get("name", "")
    if isinstance(raw, datetime):
        raise fail(f"date {raw} has a time of day; give the date only, e.g. 2027-01-01")
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise fail(f"date {raw!r} is not a valid date like 2027-01-01") from None
    else:
        raise fail(f"date {raw!r} is not a date like 2027-01-01")
    if kind not in KINDS:
        raise fail(f"({day}) unknown kind {kind!r}; use 'holiday' or 'workday' (a make-up working day, 调休)")
    if not isinstance(name, str):
        raise fail(f"({day}) name must be a string")
    return day, kind, name
