"""The times of a WS-Security Timestamp (wsu:Created, wsu:Expires): xsd:dateTime (XML Schema 1.0 Part 2 §3.2.7), as
WSS 1.1 §10 requires, read strictly but in every form the type allows — fractional seconds of any length (WSS4J
writes milliseconds, .NET seven digits), "Z" or ±hh:mm, 24:00:00 as the end of a day. A time without a zone is
refused, as is anything out of range; each refusal names the field and the value, never a ValueError.
"""

import re
from datetime import UTC, datetime, timedelta

from signing.errors import SignatureInvalid

_DATETIME = re.compile(
    r"(?P<sign>-?)(?P<year>\d{4,})-(?P<month>\d\d)-(?P<day>\d\d)"
    r"T(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>Z|[+-]\d\d:\d\d)?",
    re.ASCII,
)


# The form nearly every sender writes (ours, WSS4J without milliseconds): read by fromisoformat, a tenth of the
# regular path's time. What fromisoformat refuses in it (year 0000, hour 24, second 60, 30 February) takes the
# regular path, which accepts or refuses it as before.
_PLAIN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def xsd_datetime(text: str | None, what: str) -> datetime:
    """`text` as an aware UTC datetime; SignatureInvalid("malformed") naming `what` and the value otherwise."""
    if text is None or not text.strip():
        raise SignatureInvalid("malformed", f"{what} is missing")
    value = text.strip()  # xsd:dateTime collapses whitespace
    if _PLAIN.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    shown = repr(value[:40] + ("…" if len(value) > 40 else ""))
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise SignatureInvalid("malformed", f"{what} {shown} is not an xsd:dateTime (e.g. 2026-11-23T08:00:00Z)")
    if match["zone"] is None:  # the schema allows it, but an instant is needed: guessing the zone is misreading
        raise SignatureInvalid("malformed", f"{what} {shown} has no time zone; it needs Z or ±hh:mm")
    try:
        return _instant(match)
    except (ValueError, OverflowError) as exc:  # 30 February, 25:00, a zone shifting it past year 9999 …
        raise SignatureInvalid("malformed", f"{what} {shown} is out of range: {exc}") from None


def _instant(match: re.Match[str]) -> datetime:
    year = int(match["year"])
    if match["sign"] or year == 0 or year > 9999 or (len(match["year"]) > 4 and match["year"][0] == "0"):
        raise ValueError("the year must be 0001-9999")
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    fraction = match["fraction"] or ""
    end_of_day = hour == 24  # §3.2.7: 24:00:00 is the first instant of the next day
    if end_of_day and (minute or second or fraction.strip("0")):
        raise ValueError("hour 24 is only 24:00:00")
    if minute > 59 or second > 59:
        raise ValueError("minutes and seconds run 00-59")
    # beyond microseconds is truncated: the window is minutes wide
    when = datetime(year, int(match["month"]), int(match["day"]), 0 if end_of_day else hour, minute, second)
    when += timedelta(days=1 if end_of_day else 0, microseconds=int((fraction + "000000")[:6]))
    return when.replace(tzinfo=UTC) - _offset(match["zone"])


def _offset(zone: str) -> timedelta:
    if zone == "Z":
        return timedelta(0)
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if minutes > 59 or hours > 14 or (hours == 14 and minutes):
        raise ValueError("a zone offset runs -14:00 to +14:00")
    return (-1 if zone[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
