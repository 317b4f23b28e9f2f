"""The appraisal pauses the console, the API and the deadline sweep read from a complaint's history
(adapter/complaints/facts.py): the desk's own times, never later than when we recorded them."""

import json
from datetime import UTC, datetime, timedelta

from adapter.complaints.facts import pauses
from adapter.complaints.states import ComplaintNote
from adapter.persistence.complaint_tables import ComplaintEventRow

STARTED = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ENDED = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)


def _note(what: ComplaintNote, recorded: datetime, desk_time: datetime) -> ComplaintEventRow:
    return ComplaintEventRow(
        complaint_id="CP-1", at=recorded, event=what, from_status="HANDLING", to_status="HANDLING",
        actor="desk:d", detail=json.dumps({"at": desk_time.isoformat()}),
    )  # fmt: skip


def test_the_desks_own_appraisal_times_are_read_when_not_ahead_of_the_record() -> None:
    history = [
        _note(ComplaintNote.APPRAISAL_STARTED, STARTED + timedelta(hours=1), STARTED),
        _note(ComplaintNote.APPRAISAL_ENDED, ENDED + timedelta(hours=1), ENDED),
    ]
    assert pauses(history) == ((STARTED, ENDED),)


def test_an_appraisal_dated_ahead_of_its_arrival_cannot_push_the_decision_deadline_later() -> None:
    """A desk announcing now an appraisal 'ended' next year would otherwise move the institution's deadline a year."""
    history = [
        _note(ComplaintNote.APPRAISAL_STARTED, STARTED, STARTED + timedelta(days=3)),
        _note(ComplaintNote.APPRAISAL_ENDED, ENDED, ENDED + timedelta(days=365)),
    ]
    assert pauses(history) == ((STARTED, ENDED),)
