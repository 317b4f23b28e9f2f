"""Time: the injected clock, and the one convention for storing it: UTC (SQLite returns it without a zone)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

Clock = Callable[[], datetime]

CHINA = timezone(timedelta(hours=8), "CST")  # court deadlines are counted in China Standard Time


def utc_now() -> datetime:
    return datetime.now(UTC)


def from_db(value: datetime) -> datetime:
    """Datetimes come back from SQLite without a zone; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def to_utc(value: datetime) -> datetime:
    """What is written to the database: UTC, so that SQLite's zone-less storage keeps the right instant."""
    if value.tzinfo is None:
        raise ValueError("refusing to store a datetime without a time zone")
    return value.astimezone(UTC)


def china_text(value: datetime, *, seconds: bool = True) -> str:
    """The one way a time is shown to people (tables, messages, logs): China time, labelled.

    e.g. "2026-11-30 18:44:05 CST". Stored times are UTC (`from_db` for SQLite's zone-less ones)."""
    shown = from_db(value).astimezone(CHINA)
    return f"{shown:%Y-%m-%d %H:%M:%S} CST" if seconds else f"{shown:%Y-%m-%d %H:%M} CST"


def china_iso(value: datetime) -> str:
    """The same instant for scripts (JSON, CSV): ISO 8601 in China time, labelled by its +08:00 offset."""
    return from_db(value).astimezone(CHINA).isoformat()


def last_day(closes_at: datetime) -> date:
    """The last day of a period, China time, from its closing instant (the first instant after it: midnight at the
    end of the last day, adapter/deadlines/calendar.py Deadline.closes_at) — "2026-12-05 00:00:00 CST" → 2026-12-04.
    People read the last day (domain.md §3: a period runs to the end of its last day); scripts keep the instant."""
    return (from_db(closes_at).astimezone(CHINA) - timedelta(microseconds=1)).date()
