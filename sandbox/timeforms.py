"""How a sandbox court writes its times, per the form its interface documents (SandboxConfig.timestamp_format),
and the shape it demands of the centre's times.

Written apart from the adapter's mappings/times.py on purpose: the end-to-end tests then prove two independent
readings of each form agree, not one function with itself.
"""

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))

_WRITERS: dict[str, Callable[[datetime], str | int]] = {
    "iso8601": lambda t: t.astimezone(CST).isoformat(),
    "iso8601_china": lambda t: t.astimezone(CST).replace(tzinfo=None).isoformat(),  # Beijing time, no offset
    "yyyyMMddHHmmss": lambda t: t.astimezone(CST).strftime("%Y%m%d%H%M%S"),
    "yyyy-MM-dd HH:mm:ss": lambda t: t.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"),
    "epoch_seconds": lambda t: int(t.timestamp()),
    "epoch_millis": lambda t: int(t.timestamp()) * 1000 + t.microsecond // 1000,
}
_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
_SHAPES = {
    "iso8601": re.compile(_ISO + r"([+-][0-9]{2}:[0-9]{2}|Z)"),
    "iso8601_china": re.compile(_ISO + r"([+-][0-9]{2}:[0-9]{2}|Z)?"),
    "yyyyMMddHHmmss": re.compile(r"20[0-9]{12}"),
    "yyyy-MM-dd HH:mm:ss": re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"),
    "epoch_seconds": re.compile(r"[0-9]{10}"),
    "epoch_millis": re.compile(r"[0-9]{13}"),
}
FORMS = tuple(_WRITERS)


def court_time(at: datetime, form: str) -> str | int:
    """`at` as this court writes it (China time where the form has no offset)."""
    return _WRITERS[form](at)


def is_court_time(value: object, form: str) -> bool:
    """Whether a time the centre sent has the court's documented shape (a JSON number only for the epoch forms)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    if isinstance(value, int) and not form.startswith("epoch_"):
        return False
    return _SHAPES[form].fullmatch(str(value)) is not None
