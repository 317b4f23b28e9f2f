"""The working-day calendar: chinesecalendar's 2026 holidays and make-up days, the operator's holiday file,
and years neither covers (estimated, said loudly)."""

import logging
from datetime import date
from pathlib import Path

import pytest

from adapter.deadlines import WorkCalendar
from adapter.deadlines.calendar import forget_missing_years, missing_year
from adapter.errors import ConfigError

SAMPLE_2027 = Path(__file__).parent.parent / "data" / "holidays-2027.toml"


@pytest.fixture(autouse=True)
def _fresh_process_record() -> None:
    """Each test starts as a fresh process would: no year warned yet (the record is per process)."""
    forget_missing_years()


@pytest.fixture
def package_only() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def with_2027() -> WorkCalendar:
    return WorkCalendar.from_file(SAMPLE_2027)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2026, 2, 14), True, id="spring-festival-make-up-saturday-0214"),
        pytest.param(date(2026, 2, 16), False, id="spring-festival-monday-0216"),
        pytest.param(date(2026, 2, 23), False, id="spring-festival-last-day-monday-0223"),
        pytest.param(date(2026, 2, 24), True, id="first-working-day-after-spring-festival-0224"),
        pytest.param(date(2026, 2, 28), True, id="spring-festival-make-up-saturday-0228"),
        pytest.param(date(2026, 9, 20), True, id="national-day-make-up-sunday-0920"),
        pytest.param(date(2026, 9, 25), False, id="mid-autumn-friday-0925"),
        pytest.param(date(2026, 10, 7), False, id="national-day-last-day-wednesday-1007"),
        pytest.param(date(2026, 10, 10), True, id="national-day-make-up-saturday-1010"),
        pytest.param(date(2026, 10, 11), False, id="ordinary-sunday-1011"),
    ],
)
def test_2026_holidays_and_make_up_days(package_only: WorkCalendar, day: date, working: bool) -> None:
    """The 2026 State Council schedule: holidays rest, make-up weekend days (调休) work."""
    assert package_only.is_working_day(day) == (working, False)


@pytest.mark.parametrize(
    ("start", "n", "last_day"),
    [
        # Fri 02-13 → Sat 02-14 (make-up) is working day 1, then 02-24, 02-25.
        pytest.param(date(2026, 2, 13), 3, date(2026, 2, 25), id="spring-festival-make-up-saturday-counts"),
        # Received mid-holiday: the count starts after it, 02-24, 02-25, 02-26.
        pytest.param(date(2026, 2, 17), 3, date(2026, 2, 26), id="start-inside-spring-festival"),
        # Wed 02-25 → 02-26, 02-27, Sat 02-28 (make-up).
        pytest.param(date(2026, 2, 25), 3, date(2026, 2, 28), id="ends-on-make-up-saturday-0228"),
        # Tue 09-29 → 09-30, then National Day, 10-08, 10-09.
        pytest.param(date(2026, 9, 29), 3, date(2026, 10, 9), id="across-national-day"),
        # Fri 09-18 → Sun 09-20 (make-up) is day 1, 09-21, 09-22.
        pytest.param(date(2026, 9, 18), 3, date(2026, 9, 22), id="make-up-sunday-0920-counts"),
        # Two working days from Thu 09-24: Mid-Autumn 09-25…27 off → 09-28, 09-29.
        pytest.param(date(2026, 9, 24), 2, date(2026, 9, 29), id="across-mid-autumn"),
    ],
)
def test_add_working_days(package_only: WorkCalendar, start: date, n: int, last_day: date) -> None:
    """Working days are counted from the day after the start, skipping rest days, counting make-up days."""
    deadline = package_only.add_working_days(start, n)
    assert deadline.last_day == last_day and not deadline.estimated


@pytest.mark.parametrize(
    ("start", "n", "last_day"),
    [
        pytest.param(date(2026, 1, 19), 30, date(2026, 2, 24), id="30-days-end-0218-in-spring-festival"),
        pytest.param(date(2026, 2, 21), 7, date(2026, 2, 28), id="7-days-end-on-make-up-saturday-no-roll"),
        pytest.param(date(2026, 9, 16), 15, date(2026, 10, 8), id="15-days-end-on-national-day"),
        pytest.param(date(2026, 9, 5), 15, date(2026, 9, 20), id="15-days-end-on-make-up-sunday-no-roll"),
        pytest.param(date(2026, 9, 10), 15, date(2026, 9, 28), id="15-days-end-in-mid-autumn"),
    ],
)
def test_calendar_days_roll_only_at_the_end(package_only: WorkCalendar, start: date, n: int, last_day: date) -> None:
    """A day-counted period ending on a rest day runs to the next working day [S3 Art 85]."""
    assert package_only.calendar_days(start, n).last_day == last_day


def test_a_year_nobody_covers_is_estimated_and_warned_once(
    package_only: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    """2027 is beyond chinesecalendar 1.11: weekends only, estimated, one WARNING naming the year."""
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        first = package_only.add_working_days(date(2026, 12, 30), 3)  # 12-31, 01-01 (guessed), 01-04
        second = package_only.calendar_days(date(2026, 12, 2), 30)  # 2027-01-01, a guessed working Friday
    assert first.last_day == date(2027, 1, 4) and first.estimated
    assert second.last_day == date(2027, 1, 1) and second.estimated
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2027" in warnings[0].getMessage()
    assert package_only.coverage(range(2025, 2029)) == [2027, 2028]


def test_a_missing_year_is_warned_once_per_process_across_calendars_and_the_start_up_check(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The start-up check, two calendars (sweep, CLI) and many lookups: one WARNING for 2027, none at ERROR; each
    calendar still remembers that it estimated 2027."""
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        missing_year(2027)  # what scheduler.build_runtime says at start-up
        sweep, cli = WorkCalendar(), WorkCalendar()
        for calendar in (sweep, cli, sweep):
            calendar.add_working_days(date(2027, 3, 1), 5)
            calendar.calendar_days(date(2027, 6, 1), 30)
    warned = [r for r in caplog.records if "2027" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING]
    assert sweep.estimated_years == cli.estimated_years == {2027}


def test_operator_file_covers_2027(with_2027: WorkCalendar, caplog: pytest.LogCaptureFixture) -> None:
    """A declared year is covered: its holidays rest, its make-up day works, nothing is estimated or warned."""
    with caplog.at_level(logging.WARNING, logger="docking.deadlines"):
        across_new_year = with_2027.add_working_days(date(2026, 12, 30), 3)  # 12-31, (01-01 off), 01-04, 01-05
        into_holiday = with_2027.calendar_days(date(2027, 2, 3), 7)  # 02-10 off → Mon 02-15
        on_make_up = with_2027.calendar_days(date(2027, 2, 13), 7)  # Sat 02-20 worked: no roll
    assert (across_new_year.last_day, across_new_year.estimated) == (date(2027, 1, 5), False)
    assert (into_holiday.last_day, into_holiday.estimated) == (date(2027, 2, 15), False)
    assert (on_make_up.last_day, on_make_up.estimated) == (date(2027, 2, 20), False)
    assert with_2027.is_working_day(date(2027, 3, 1)) == (True, False)  # an undeclared Monday of a declared year
    assert with_2027.coverage(range(2026, 2029)) == [2028]
    assert not caplog.records


def test_operator_file_overrides_the_package(with_2027: WorkCalendar) -> None:
    """A date the file lists wins over chinesecalendar, inside the package's years too."""
    assert WorkCalendar().is_working_day(date(2026, 3, 2)) == (True, False)
    assert with_2027.is_working_day(date(2026, 3, 2)) == (False, False)


def test_a_declared_year_without_holidays_is_covered(tmp_path: Path) -> None:
    """`years = [...]` alone declares coverage, so a year with no extra holidays is not estimated."""
    path = tmp_path / "holidays.toml"
    path.write_text("years = [2031]\n", encoding="utf-8")
    calendar = WorkCalendar.from_file(path)
    assert calendar.coverage([2031, 2032]) == [2032]
    ends_saturday = calendar.calendar_days(date(2031, 1, 1), 3)  # Sat 01-04 → Mon 01-06
    assert (ends_saturday.last_day, ends_saturday.estimated) == (date(2031, 1, 6), False)
    assert calendar.is_working_day(date(2031, 1, 4)) == (False, False)  # a Saturday, known


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            'years = [2027]\n[[day]]\ndate = "2027-02-30"\nkind = "holiday"\n',
            "'2027-02-30' is not a valid date",
            id="bad-date",
        ),
        pytest.param(
            'years = [2027]\n[[day]]\ndate = 2027-02-01T09:00:00\nkind = "holiday"\n',
            "has a time of day",
            id="date-with-time",
        ),
        pytest.param(
            'years = [2027]\n[[day]]\ndate = 2027-02-01\nkind = "vacation"\n',
            "unknown kind 'vacation'",
            id="unknown-kind",
        ),
        pytest.param(
            'years = [2027]\n[[day]]\ndate = 2027-01-01\nkind = "holiday"\n'
            '[[day]]\ndate = 2027-01-01\nkind = "workday"\n',
            "day entry 2 (2027-01-01) says workday but day entry 1 says holiday",
            id="duplicate-date-conflicting-kind",
        ),
        pytest.param(
            'years = [2027]\n[[day]]\ndate = 2028-01-03\nkind = "holiday"\n',
            "2028 is neither declared",
            id="undeclared-year",
        ),
        pytest.param("years = [2027]\n[[day]]\ndate = 2027-01-01\n", "needs both date and kind", id="missing-kind"),
        pytest.param(
            'years = [2027]\n[[day]]\ndate = 2027-01-01\nkind = "holiday"\nnote = "x"\n',
            "unknown key(s) note",
            id="unknown-day-key",
        ),
        pytest.param('years = ["2027"]\n', "years: '2027' is not a year", id="year-as-string"),
        pytest.param("holidays = []\n", "unknown key(s) holidays", id="unknown-top-key"),
        pytest.param("years = [2027\n", "is not valid TOML", id="not-toml"),
    ],
)
def test_a_bad_holiday_file_is_a_config_error(tmp_path: Path, text: str, problem: str) -> None:
    """Every problem names the file, the entry and what is wrong."""
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        WorkCalendar.from_file(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_a_missing_holiday_file_is_a_config_error(tmp_path: Path) -> None:
    """A configured file that is not there stops start-up with a message naming it."""
    with pytest.raises(ConfigError, match="does not exist"):
        WorkCalendar.from_file(tmp_path / "nowhere.toml")


def test_the_same_fact_twice_is_accepted(tmp_path: Path) -> None:
    """A date listed twice with the same kind is harmless."""
    path = tmp_path / "holidays.toml"
    path.write_text("years = [2027]\n" + '[[day]]\ndate = 2027-01-01\nkind = "holiday"\n' * 2, encoding="utf-8")
    assert WorkCalendar.from_file(path).is_working_day(date(2027, 1, 1)) == (False, False)
