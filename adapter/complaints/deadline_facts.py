"""ComplaintFacts from a stored complaint and its history (and after a repeat, `with_repeat`), and
ComplaintDeadlines: the engine the sweep and `docking deadlines` ask — the complaint periods
(`[complaints.deadlines]`) over the case deadlines' calendar (`Deadlines.calendar`: chinesecalendar + the holiday
file), so complaints and cases can never count days apart.

What the history gives (one row per ComplaintEvent or ComplaintNote; `detail` the message body as JSON, or the
envelope stored whole, or the action's inputs):

    forward                        forwarded_at (the institution's receipt)
    acknowledge                    acknowledged_at
    extend_30 / extend_60          the decision stage 30 / 60 (CBIRC Order 2020 No 3)
    appraisal_started / _ended     a pause of the decision clock [P33]
    new_facts                      restarted_at; the stage back to 15 (a new round) [P33]
    decide                         decided_at                  small_claim_decide  small_claim_decided_at
    small_claim_paid               paid_at                     request_review      review_requested_at
    decide_review                  review_decided_at           convert_to_mediation  mediation_accepted_at

Each time is the act's own, read from the body (`notified_at`, `paid_at`, `at`, …) when it parses, is aware and is
not later than the row's `at`; else the row's `at` (when the centre recorded it). Like a case's receipt
(adapter/deadlines/facts.py `receipt`), a desk clock running ahead must never push a date later. The first of each
act counts (a duplicate acknowledgement changes nothing); a later review or new-facts round replaces an earlier one.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.deadlines import ComplaintDueDate, ComplaintFacts, Pause, complaint_deadlines
from adapter.complaints.states import ComplaintEvent, ComplaintNote, ComplaintStatus
from adapter.deadlines.calendar import WorkCalendar
from schemas.clock import from_db
from schemas.complaint import Track

E, N = ComplaintEvent, ComplaintNote

# The event → (the facts field it sets, the body's own time for it). First wins, unless listed in _LATEST.
_TIMES: dict[str, tuple[str, str | None]] = {
    E.FORWARD: ("forwarded_at", "forwarded_at"),
    E.ACKNOWLEDGE: ("acknowledged_at", "acknowledged_at"),
    E.DECIDE: ("decided_at", "notified_at"),
    E.SMALL_CLAIM_DECIDE: ("small_claim_decided_at", "decided_at"),
    E.SMALL_CLAIM_PAID: ("paid_at", "paid_at"),
    E.REQUEST_REVIEW: ("review_requested_at", "requested_at"),
    E.DECIDE_REVIEW: ("review_decided_at", "decided_at"),
    E.CONVERT_TO_MEDIATION: ("mediation_accepted_at", None),  # the centre opens the flow-C case: accepted
}
_LATEST = frozenset({E.REQUEST_REVIEW, E.DECIDE_REVIEW})
_STAGES: dict[str, int] = {E.EXTEND_30: 30, E.EXTEND_60: 60}


class StoredComplaint(Protocol):
    """What the deadlines read of a stored complaint: unsealed columns only."""

    @property
    def status(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def track(self) -> str: ...
    @property
    def undisputed(self) -> bool: ...


class StoredComplaintEvent(Protocol):
    """One row of a complaint's history: a ComplaintEvent or ComplaintNote value, when recorded, its detail."""

    @property
    def id(self) -> int | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def event(self) -> str: ...
    @property
    def detail(self) -> str: ...


def facts_from_history(
    complaint: StoredComplaint,
    events: Iterable[StoredComplaintEvent],
    *,
    mediation_ended_at: datetime | None = None,
) -> ComplaintFacts:
    """The facts the deadlines depend on, from the complaint row and its history (in any order). A complaint
    converted to mediation: `mediation_ended_at` is when its flow-C case's mediation ended, if it has.
    ValueError naming the field if the history makes impossible facts (see ComplaintFacts)."""
    found: dict[str, Any] = {}
    stage, pauses = 15, list[Pause]()
    paused_since: datetime | None = None
    for row in sorted(events, key=lambda e: (from_db(e.at), e.id or 0)):
        event, at = row.event, from_db(row.at)
        if event in _TIMES:
            name, key = _TIMES[event]
            if name not in found or event in _LATEST:
                found[name] = _own_time(row.detail, key, at)
        elif event in _STAGES:
            stage = max(stage, _STAGES[event])
        elif event == N.APPRAISAL_STARTED and paused_since is None:
            paused_since = _own_time(row.detail, "at", at)
        elif event == N.APPRAISAL_ENDED and paused_since is not None:
            pauses.append((paused_since, max(_own_time(row.detail, "at", at), paused_since)))
            paused_since = None
        elif event == N.NEW_FACTS:
            # A new round: a decision from before it no longer answers the complaint (deadlines._after agrees).
            found["restarted_at"], stage = at, 15
            found.pop("decided_at", None)
            found.pop("small_claim_decided_at", None)
    if paused_since is not None:
        pauses.append((paused_since, None))
    return ComplaintFacts(
        status=ComplaintStatus(complaint.status),
        received_at=from_db(complaint.received_at),
        track=Track(complaint.track),
        undisputed=complaint.undisputed,
        stage=stage,
        pauses=tuple(pauses),
        mediation_ended_at=mediation_ended_at,
        **found,
    )


def with_repeat(earlier: ComplaintFacts, repeat_received_at: datetime, *, new_facts: bool) -> ComplaintFacts:
    """The earlier complaint's facts once a repeat of it arrives [P33]. Without new facts the repeat is merged
    (ComplaintEvent.MERGE) and the earlier complaint's clock runs on: its facts are returned unchanged. With new
    facts its decision clock restarts at the new material's receipt (never earlier than a restart it has); the
    forwarding and the centre's target stay with the first receipt."""
    if not new_facts:
        return earlier
    if earlier.restarted_at is not None and from_db(earlier.restarted_at) >= from_db(repeat_received_at):
        return earlier
    return replace(earlier, restarted_at=repeat_received_at)


@dataclass(frozen=True)
class ComplaintDeadlines:
    """`settings` (`[complaints.deadlines]`) over `calendar` — pass the case engine's (`Deadlines.calendar`)."""

    settings: ComplaintDeadlineSettings = field(default_factory=ComplaintDeadlineSettings)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    def for_complaint(
        self,
        complaint: StoredComplaint,
        events: Iterable[StoredComplaintEvent],
        now: datetime,
        *,
        mediation_ended_at: datetime | None = None,
    ) -> list[ComplaintDueDate]:
        """Every started deadline of a stored complaint, with its state at `now` (deadlines.complaint_deadlines)."""
        facts = facts_from_history(complaint, events, mediation_ended_at=mediation_ended_at)
        return complaint_deadlines(facts, self.calendar, self.settings, now)


def _own_time(detail: str, key: str | None, recorded: datetime) -> datetime:
    """The act's own time from the body, if it is aware and not later than when the centre recorded it."""
    if key is None:
        return recorded
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return recorded
    if isinstance(data, dict) and isinstance(data.get("body"), dict):  # an envelope stored whole
        data = data["body"]
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return recorded
    try:
        own = datetime.fromisoformat(value)
    except ValueError:
        return recorded
    if own.tzinfo is None or own > recorded:
        return recorded
    return own
