"""A partner record's facts as the console and `docking partners show` show them: every time inside them in China
time labelled "CST", the way every other time reads (schemas/clock.py china_text) — the kinds store their facts'
times as they came (ISO 8601, often UTC with "Z"), which beside the page's CST columns read as a different clock.

Only a whole string that is an ISO 8601 date-time WITH a zone (a "Z" or a ±hh:mm offset) is a time: a date alone
stays a date (a due day is a day, not an instant), a zone-less date-time stays as stored (no way to know its
clock), and text that merely starts like a date — a case number such as 〔2026〕京0105民初123号, an ID, a reference
"2026-11-30-001" — is left alone. Nested mappings and lists are walked; keys and non-string values are unchanged."""

import re
from datetime import datetime
from typing import Any

from schemas.clock import china_text

# The whole value: date, "T" or a space, hh:mm[:ss[.fraction]], then the zone. Anything else is not a time.
_AWARE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})", re.ASCII)


def shown_time(text: str) -> str:
    """A zoned time as the console shows it ("2026-11-30T02:15:00Z" → "2026-11-30 10:15:00 CST"); any other string
    (module docstring) as it is, also an impossible date such as 2026-02-30T10:00Z (shown as stored, never guessed)."""
    if not _AWARE.fullmatch(text):
        return text
    try:
        return china_text(datetime.fromisoformat(text))
    except ValueError:
        return text


def facts_in_china_time(value: Any) -> Any:
    """A copy of `value` (facts: a JSON-shaped dict/list/str/number tree) with every zoned time as `shown_time`."""
    if isinstance(value, str):
        return shown_time(value)
    if isinstance(value, datetime) and value.tzinfo is not None:  # a kind that kept a datetime itself
        return china_text(value)
    if isinstance(value, dict):
        return {key: facts_in_china_time(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [facts_in_china_time(item) for item in value]
    return value
