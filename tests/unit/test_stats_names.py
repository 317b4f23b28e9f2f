"""The figures count case history by the state machine's own names: a renamed event cannot silently zero them."""

import pytest

from adapter import stats
from adapter.deadlines import sweep
from adapter.report import monthly
from adapter.states import Event, HistoryNote

COUNTED = {
    **{f"summarize:{figure}": event for figure, event in stats.REACHED.items()},
    **{f"monthly:{figure}": event for figure, event in monthly.COUNTED.items()},
    **{f"monthly-closing:{figure}": event for figure, event in monthly.CLOSING.items()},
}


@pytest.mark.parametrize("counted", COUNTED.values(), ids=COUNTED.keys())
def test_every_counted_event_is_a_member_of_the_state_machines_enums(counted: object) -> None:
    """A figure counts an Event (or a HistoryNote the sweep records), never a free-standing string."""
    assert isinstance(counted, Event | HistoryNote)
    assert counted.value in {member.value for member in (*Event, *HistoryNote)}


def test_the_deadline_alert_figure_counts_what_the_sweep_records() -> None:
    """The monthly deadline-alert figure and the sweep's history entry are the same name."""
    assert monthly.COUNTED["deadline_alerts"] is sweep.ALERT
