"""A stored complaint's deadline facts (adapter/complaints/deadlines.py ComplaintFacts) from its row and history:
what the forward's due dates, `docking deadlines` and the console read. The appraisal pauses come from the history's
appraisal notes, whose detail holds the desk's own time (`{"at": …}`)."""

import json
from collections.abc import Sequence
from datetime import datetime

from adapter.complaints.deadlines import ComplaintFacts, Pause
from adapter.complaints.states import ComplaintNote, ComplaintStatus
from adapter.persistence.complaint_tables import ComplaintEventRow, ComplaintRow
from schemas.clock import from_db
from schemas.complaint import Track


def facts_of(row: ComplaintRow, history: Sequence[ComplaintEventRow] = ()) -> ComplaintFacts:
    return ComplaintFacts(
        status=ComplaintStatus(row.status),
        received_at=row.received_at,
        track=Track(row.track),
        undisputed=row.undisputed,
        forwarded_at=row.forwarded_at,
        acknowledged_at=row.acknowledged_at,
        stage=row.stage,
        pauses=pauses(history),
        restarted_at=row.restarted_at,
        decided_at=row.decided_at,
        small_claim_decided_at=row.small_claim_decided_at,
        paid_at=row.paid_at,
        review_requested_at=row.review_requested_at,
        review_decided_at=row.review_decided_at,
    )


def pauses(history: Sequence[ComplaintEventRow]) -> tuple[Pause, ...]:
    """(started, ended or None) for each appraisal, in order; an `ended` without a `started` is ignored."""
    found: list[Pause] = []
    for entry in history:
        if entry.event == ComplaintNote.APPRAISAL_STARTED:
            found.append((_at(entry), None))
        elif entry.event == ComplaintNote.APPRAISAL_ENDED and found and found[-1][1] is None:
            found[-1] = (found[-1][0], _at(entry))
    return tuple(found)


def _at(entry: ComplaintEventRow) -> datetime:
    """The desk's own time for the appraisal note, but never later than when we recorded it: a desk clock running
    ahead (or a time in the future) must not stretch the pause and so the institution's deadline (as
    adapter/complaints/deadline_facts.py reads every act's time)."""
    recorded = from_db(entry.at)
    try:
        return min(from_db(datetime.fromisoformat(json.loads(entry.detail)["at"])), recorded)
    except (ValueError, KeyError, TypeError):
        return recorded
