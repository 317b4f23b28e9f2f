"""The canonical time types: an aware date and time, and a calendar day — never read from a number.

pydantic's own `datetime`/`AwareDatetime` and `date` read a number, or a string of digits, as Unix time (seconds,
or milliseconds above 2e10), so "20260302093000" became the year 2612 and "20260302" a moment in 1970. These
types take only a `datetime`/`date` object or an ISO 8601 text (RFC 3339 §5.6 for times, with its offset), and
refuse everything else before pydantic's parser sees it, so no path into a canonical record — a court's wire
form (which mappings/times.py has already read in the platform's agreed form), the fake connector, a stored
message, a file given to the CLI — can fall back to the epoch reading.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator

# The start of an ISO date and time; pydantic's parser checks the rest.
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _time_text_or_object(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_TIME.match(value)):
        return value  # a naive one is refused next, by AwareDatetime, as "should have timezone info"
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        raise ValueError("is a date without a time; expected e.g. 2026-03-02T09:30:00+08:00")
    raise ValueError(
        f"a time must be ISO 8601 text with its offset, e.g. 2026-03-02T09:30:00+08:00, not {_what(value)}"
        " (numbers are never read as Unix time)"
    )


def _date_text_or_object(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(f"a date must be ISO 8601 text, e.g. 2026-03-02, not {_what(value)} (never read as Unix time)")


def _what(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | bytes):
        return f"a {type(value).__name__}"
    if isinstance(value, int | float):
        return "a number"
    return "digits" if value.strip().isdigit() else "text in another form"


Timestamp = Annotated[AwareDatetime, BeforeValidator(_time_text_or_object)]
"""An aware date and time (a court's 时间 field, the centre's action times)."""

CalendarDate = Annotated[date, BeforeValidator(_date_text_or_object)]
"""A calendar day (an instalment's due date, an extended deadline)."""
