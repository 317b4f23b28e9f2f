"""Time: the injected clock, and the one convention for storing it (naive UTC in the database)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

Clock = Callable[[], datetime]

CHINA = timezone(timedelta(hours=8), "CST")  # court deadlines are counted in China Standard Time


def utc_now() -> datetime:
    return datetime.now(UTC)


def from_db(value: datetime) -> datetime:
    """Datetimes come back from SQLite without a zone; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def end_of_day_period(start: datetime, days: int) -> datetime:
    """A day-based period starts the next day and ends at the end of its last day, China time [S3 Art 85].

    (Holiday roll-over and working days are the deadline module's concern; this is the plain calendar rule.)
    """
    last_day = (from_db(start).astimezone(CHINA) + timedelta(days=days)).date()
    return datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=CHINA)


def to_utc(value: datetime) -> datetime:
    """What is written to the database: UTC, so that SQLite's zone-less storage keeps the right instant."""
    if value.tzinfo is None:
        raise ValueError("refusing to store a datetime without a time zone")
    return value.astimezone(UTC)
