"""Where a world's clock starts: a fixed instant, not the real now.

Deadlines are counted with the WorkCalendar, which rolls a last day past Chinese public holidays and weekends, and
the sandboxes put the year in what they number (an arbitration case's （2026）…). A world started at the real now had
outcomes decided by the day the suite ran: tests failed from 3 December, would have from 29 December and 1 January,
and around every long holiday. Worlds whose far side checks the real clock (the sandbox court) cannot use this and
compute their expectations with the calendar instead.
"""

from datetime import UTC, datetime

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 China time, no holiday within the tests' deadlines
