"""The centre's own working-day clocks for complaints [P67a]: the forwarding day (当日接收、当日转办), the centre's
targets (undisputed: same day; general: 8 working days), and the small-claim track's working days from receipt to
payment with their average (6.5 working days: reported, never enforced). On the case deadlines' calendar
(adapter/deadlines/calendar.py): chinesecalendar + the holiday file, China time, `estimated` for an unknown year.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.deadlines.calendar import Deadline, WorkCalendar, china_date
from schemas.clock import CHINA, china_text, from_db


def forward_due(
    received_at: datetime, calendar: WorkCalendar, settings: ComplaintDeadlineSettings
) -> tuple[Deadline, tuple[str, ...]]:
    """The last day to forward a complaint received at `received_at` (当日接收、当日转办 [P67a]): that China-time
    day; received from `forward_cutoff` (17:00 CST; the hotline works 8:30–17:00) on, or on a rest day, the next
    working day — unless `after_hours_next_working_day` is off. With a note saying why the day moved."""
    local = from_db(received_at).astimezone(CHINA)
    day = local.date()
    if not settings.after_hours_next_working_day:
        return Deadline(day, False), ()
    working, estimated = calendar.is_working_day(day)
    if working and local.time() < settings.forward_cutoff:
        return Deadline(day, estimated), ()
    following = calendar.next_working_day(day + timedelta(days=1))
    why = f"after hours (from {settings.forward_cutoff:%H:%M} CST)" if working else "on a rest day"
    note = f"received {why}: forwarded by the next working day, {following.last_day}"
    return Deadline(following.last_day, estimated or following.estimated), (note,)


def forward_rule(settings: ComplaintDeadlineSettings) -> str:
    """The forwarding rule in words, with its source, as the settings make it."""
    if not settings.after_hours_next_working_day:
        return "forwarded the day received (当日接收、当日转办) [P67a]"
    return (
        f"forwarded the day received (当日接收、当日转办); from {settings.forward_cutoff:%H:%M} CST or on a rest day "
        "by the next working day [P67a]"
    )


def centre_target_due(
    received_at: datetime, undisputed: bool, calendar: WorkCalendar, settings: ComplaintDeadlineSettings
) -> tuple[Deadline, str]:
    """The centre's own target [P67a] and its rule in words: an undisputed complaint settled on its working
    receipt day — the day it is due to be forwarded (`forward_due`) — plus any configured working days; any other
    within `centre_target_general_working_days` (8) working days of receipt."""
    if undisputed:
        forward, _ = forward_due(received_at, calendar, settings)
        days = settings.centre_target_undisputed_working_days
        if days == 0:
            return forward, "undisputed: settled the day it is forwarded [P67a]"
        later = calendar.add_working_days(forward.last_day, days)
        due = Deadline(later.last_day, forward.estimated or later.estimated)
        return due, f"undisputed: settled within {days} working day(s) of the day it is forwarded [P67a]"
    days = settings.centre_target_general_working_days
    return calendar.add_working_days(china_date(received_at), days), f"{days} working days from receipt [P67a]"


@dataclass(frozen=True)
class WorkingDays:
    days: int  # working days after the start's China date, up to and including the end's
    estimated: bool  # the holiday calendar had no data for a year in between


def working_days_between(start: datetime, end: datetime, calendar: WorkCalendar) -> WorkingDays:
    """Working days from `start` to `end`, counted as periods are (domain.md §3): the start's day does not count,
    the end's does if it is a working day — so the same day is 0, and `add_working_days(start, n)` ends on `end`'s
    day for a working `end`. ValueError if `end` is before `start`."""
    first, last = china_date(start), china_date(end)
    if from_db(end) < from_db(start):
        raise ValueError(f"the end {china_text(end)} is before the start {china_text(start)}")
    days, estimated = 0, False
    day = first
    while day < last:
        day += timedelta(days=1)
        working, guessed = calendar.is_working_day(day)
        days += working
        estimated = estimated or guessed
    return WorkingDays(days, estimated)


def small_claim_working_days(received_at: datetime, paid_at: datetime, calendar: WorkCalendar) -> WorkingDays:
    """A small claim's working days from the complaint's receipt to the institution's confirmed payment [P67a]
    (`working_days_between`); what the report averages against `small_claim_target_working_days`."""
    return working_days_between(received_at, paid_at, calendar)


@dataclass(frozen=True)
class SmallClaimFigures:
    """The small-claim track against its target [P67a]: reported, not enforced."""

    count: int
    average: Decimal | None  # working days, one decimal place; None without a paid small claim
    target: Decimal  # small_claim_target_working_days
    within_target: bool | None  # average <= target; None without a paid small claim
    estimated: bool  # a count crossed a year the holiday calendar lacks


def small_claim_figures(counts: Iterable[WorkingDays], settings: ComplaintDeadlineSettings) -> SmallClaimFigures:
    """The average of paid small claims' working days (half up to 0.1), beside the configured target."""
    counted = list(counts)
    target = settings.small_claim_target_working_days
    if not counted:
        return SmallClaimFigures(0, None, target, None, False)
    total = Decimal(sum(c.days for c in counted))
    average = (total / len(counted)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return SmallClaimFigures(len(counted), average, target, average <= target, any(c.estimated for c in counted))
