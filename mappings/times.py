"""The times of the court field set, read and written in the form a platform documents, as China time.

A court states its times in one agreed form per platform (`timestamp_format` in the platform's settings):

  iso8601              2026-03-02T09:30:00+08:00 (RFC 3339 §5.6; `Z`, ±HH:MM or ±HHMM; a space may stand for T;
                       up to 9 fraction digits, kept to the microsecond). The offset is required.
  iso8601_china        the same, but a time without an offset is China time (a court documented so)
  yyyyMMddHHmmss       20260302093000        China time
  yyyy-MM-dd HH:mm:ss  2026-03-02 09:30:00   China time
  epoch_seconds        1772415000            Unix seconds (a JSON integer or a string of digits)
  epoch_millis         1772415000000         Unix milliseconds

Why a naive time is refused under iso8601 but China time under iso8601_china: RFC 3339 requires the offset, and a
time without one could be UTC written carelessly — read as China time it would move by eight hours without a word.
Many Chinese platforms do omit it and mean Beijing time (China keeps one zone, UTC+8, no daylight saving since
1991): such a court is configured `iso8601_china` from its documentation, so the reading is a decision, not a guess.

Dates (a calendar day: instalment due dates, an extended deadline) travel as yyyyMMdd under yyyyMMddHHmmss and as
yyyy-MM-dd under every other form (an epoch number names an instant, not a day).

What is never done: a number, or a string of digits, is read as epoch time only under the epoch forms — so
"20260302093000" can no longer become the year 2612 — and a date-only value is never a time. Any time outside
[2000, 2100) is refused: court ODR platforms date from 2016 and every time here is of a live case, so a value
outside that span is a misread unit or field (milliseconds read as seconds, or the reverse), never a real time.
Every refusal is a MalformedPayload naming the field, the agreed form and the value (times are not personal data).
"""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Literal, get_args

from mappings.codes import MalformedPayload

TimestampForm = Literal[
    "iso8601", "iso8601_china", "yyyyMMddHHmmss", "yyyy-MM-dd HH:mm:ss", "epoch_seconds", "epoch_millis"
]
FORMS: tuple[TimestampForm, ...] = get_args(TimestampForm)
DEFAULT_FORM: TimestampForm = "iso8601"

# China Standard Time as a fixed offset: equal to Asia/Shanghai on every day of the accepted span, and needs no
# time-zone database on the host.
CHINA = timezone(timedelta(hours=8), "CST")
EARLIEST = datetime(2000, 1, 1, tzinfo=CHINA)
LATEST = datetime(2100, 1, 1, tzinfo=CHINA)  # exclusive
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ASCII digits only ([0-9], never \d, which also matches other scripts' digits that int() would accept).
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?"
)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_SPACED = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_DIGITS = re.compile(r"[0-9]+")
_EPOCH_UNIT = {"epoch_seconds": timedelta(seconds=1), "epoch_millis": timedelta(milliseconds=1)}


def read_time(value: object, form: TimestampForm, field: str) -> datetime:
    """The aware time `value` states in `form` (China time where the form carries no offset);
    MalformedPayload naming `field` for anything else."""
    if form in _EPOCH_UNIT:
        return _epoch(value, form, field)
    text = _text(value, form, field, digits_ok=form == "yyyyMMddHHmmss")
    if form in ("iso8601", "iso8601_china"):
        match = _ISO.fullmatch(text)
        if match is None:
            raise _refused(field, form, value, _iso_hint(text))
        year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
        if zulu:
            zone = UTC
        elif sign:
            found = _zone(sign, off_h, off_m)
            if found is None:
                raise _refused(field, form, value, "has an impossible UTC offset")
            zone = found
        elif form == "iso8601":
            raise _refused(
                field, form, value, 'has no UTC offset (a court that writes China time without one: "iso8601_china")'
            )
        else:
            zone = CHINA
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0  # beyond microseconds is truncated, never rounded
    else:
        match = (_COMPACT if form == "yyyyMMddHHmmss" else _SPACED).fullmatch(text)
        if match is None:
            raise _refused(field, form, value, _compact_hint(text, form))
        year, month, day, hour, minute, second = match.groups()
        zone, micro = CHINA, 0
    try:
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=zone)
    except ValueError:
        raise _refused(field, form, value, "is not a real date and time") from None
    return _checked(when, form, field, value)


def read_date(value: object, form: TimestampForm, field: str) -> date:
    """The calendar day `value` states (yyyyMMdd under yyyyMMddHHmmss, else yyyy-MM-dd); never a number."""
    compact = form == "yyyyMMddHHmmss"
    shape = "yyyyMMdd" if compact else "yyyy-MM-dd"
    text = _text(value, shape, field, digits_ok=compact)
    match = (_COMPACT_DATE if compact else _ISO_DATE).fullmatch(text)
    if match is None:
        raise _refused(field, shape, value, "is not a date in this form")
    year, month, day_of_month = (int(part) for part in match.groups())
    try:
        day = date(year, month, day_of_month)
    except ValueError:
        raise _refused(field, shape, value, "is not a real date") from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise _refused(field, shape, value, f"is outside {EARLIEST.year}–{LATEST.year - 1}")
    return day


def write_time(value: datetime, form: TimestampForm) -> str | int:
    """`value` in `form`: iso8601 keeps its own offset (exactly `isoformat()`, as every platform got before
    forms were configurable); the offset-less forms are written in China time, whole seconds."""
    if form in ("iso8601", "iso8601_china"):
        return value.isoformat()
    if form in _EPOCH_UNIT:
        return (value - _EPOCH) // _EPOCH_UNIT[form]
    china = value.astimezone(CHINA)
    return china.strftime("%Y%m%d%H%M%S" if form == "yyyyMMddHHmmss" else "%Y-%m-%d %H:%M:%S")


def write_date(value: date, form: TimestampForm) -> str:
    return value.strftime("%Y%m%d") if form == "yyyyMMddHHmmss" else value.isoformat()


# ---- the pieces


def _text(value: object, form: str, field: str, *, digits_ok: bool) -> str:
    """The value as text: strings (surrounding blanks are layout, not data), and whole JSON numbers only where
    the form is itself digits (yyyyMMddHHmmss)."""
    if isinstance(value, int) and not isinstance(value, bool) and digits_ok and value >= 0:
        return str(value)
    if not isinstance(value, str):
        raise _refused(field, form, value, f"is a {_kind(value)}, not a time written as text")
    text = value.strip()
    if not text:
        raise _refused(field, form, value, "is empty")
    return text


def _epoch(value: object, form: TimestampForm, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _refused(field, form, value, f"is a {_kind(value)}, not a whole number of {_unit(form)}")
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        raise _refused(field, form, value, f"is not a whole, non-negative number of {_unit(form)}")
    unit = _EPOCH_UNIT[form]
    low, high = (EARLIEST - _EPOCH) // unit, (LATEST - _EPOCH) // unit
    # Bounds are checked on the digits before any arithmetic: no OverflowError, and no int() of 5,000 digits.
    count = int(text) if len(text) <= 20 else high
    if count >= high:
        hint = " (milliseconds where seconds are agreed?)" if form == "epoch_seconds" else ""
        raise _refused(field, form, value, f"is beyond {LATEST.year - 1}{hint}")
    if count < low:
        hint = " (seconds where milliseconds are agreed?)" if form == "epoch_millis" and count else ""
        raise _refused(field, form, value, f"is before {EARLIEST.year}{hint}")
    return (_EPOCH + count * unit).astimezone(CHINA)


@cache  # a court writes one or two offsets: the zone object is made once (at most 2 × 100 × 100 keys)
def _zone(sign: str, hours: str, minutes: str) -> timezone | None:
    """The fixed zone of a ±HH:MM offset (two ASCII digits each), None for an impossible one."""
    if int(hours) > 23 or int(minutes) > 59:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _checked(when: datetime, form: str, field: str, value: object) -> datetime:
    if not EARLIEST <= when < LATEST:
        raise _refused(field, form, value, f"is outside {EARLIEST.year}–{LATEST.year - 1}")
    return when


def _iso_hint(text: str) -> str:
    if _ISO_DATE.fullmatch(text):
        return "is a date without a time"
    if text.isascii() and text.isdigit():
        return "is only digits; this platform's times are RFC 3339 (is its timestamp_format another form?)"
    return "is not an RFC 3339 date and time"


def _compact_hint(text: str, form: str) -> str:
    if form == "yyyyMMddHHmmss" and _COMPACT_DATE.fullmatch(text):
        return "is a date (yyyyMMdd) where a date and time is agreed"
    if form == "yyyy-MM-dd HH:mm:ss" and _ISO_DATE.fullmatch(text):
        return "is a date without a time"
    return "is not in this form"


def _unit(form: str) -> str:
    return "seconds" if form == "epoch_seconds" else "milliseconds"


def _kind(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "fractional number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _refused(field: str, form: str, value: object, why: str) -> MalformedPayload:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return MalformedPayload(f"field {field} {why}: {shown} (agreed form {form})")
