"""CaseFacts from a stored case and its history (adapter/persistence/tables.py), as the centre's use cases record them.

What the history gives, and what it does not (adapter/services.py writes the events):
- receipt (the acceptance clock, `receipt`): when the court published the dispatch (cases.court_dispatched_at),
  else the REGISTER event, else the case's created_at. Acceptance: the ACCEPT event.
- contact with the other party [S2 Art 15]: no event records it; the first HOLD_SESSION is taken as evidence.
- suspension and resumption: the SUSPEND / RESUME event times (a TERMINATE while suspended ends it).
- extensions: EXTEND's detail is a ProgressUpdate carrying `new_due` (the agreed last day), not a number of
  days, and no explicit consent flag — `services.extend` is only called with all parties' consent. A `days`
  key in the detail is used if present; else `new_due`; a detail with neither adds nothing (never a later date).
- the agreement taking effect: the case's agreement_effective_at (else the LAST_PARTY_SIGNS event).
- JC application and ruling: the APPLY_JC and JC_* events (the court's filing time is not known; application
  time stands in for it, which can only make the court's 30 days look shorter).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from adapter.deadlines.compute import CaseFacts, Extension, Suspension
from adapter.states import CaseStatus, Event
from reference import case_number as case_numbers
from reference.case_number import MalformedCaseNumber, normalise_court_code
from schemas.clock import from_db
from schemas.enums import Flow, Procedure

_JC_RESULTS = frozenset({Event.JC_NOT_ACCEPTED, Event.JC_CONFIRMED, Event.JC_REJECTED, Event.JC_WITHDRAWN})


class StoredCase(Protocol):
    """What the deadlines read of a stored case: adapter/persistence/tables.py CaseRow, or the sweep's lean row of
    unsealed columns (adapter/deadlines/sweep.py). The court code is its own column (read once at intake); only a
    case stored before that column (0011) has its `dispatch_json` read — the stored text, sealed values left sealed,
    of which only `court_code` is read, and it is not a sealed field (adapter/persistence/vault.py SEALED_FIELDS)."""

    @property
    def flow(self) -> str: ...
    @property
    def procedure(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def case_number(self) -> str | None: ...
    @property
    def court_code(self) -> str | None: ...
    @property
    def dispatch_json(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def agreement_effective_at(self) -> datetime | None: ...
    @property
    def court_dispatched_at(self) -> datetime | None: ...


class StoredEvent(Protocol):
    """What the deadlines read of one recorded transition (adapter/persistence/tables.py CaseEventRow)."""

    @property
    def id(self) -> int | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def event(self) -> str: ...
    @property
    def detail(self) -> str: ...


def facts_from_history(case_row: StoredCase, events: Iterable[StoredEvent]) -> CaseFacts:
    """The facts the deadlines depend on, read from the case row and its events (in any order)."""
    history = sorted(events, key=lambda e: (from_db(e.at), e.id or 0))
    received_at = accepted_at = contacted_at = signed_at = None
    jc_applied_at = jc_decided_at = remediated_at = None
    suspensions: list[Suspension] = []
    suspended_since: datetime | None = None
    extensions: list[Extension] = []
    for row in history:
        at, event = from_db(row.at), row.event
        if event == Event.REGISTER and received_at is None:
            received_at = at
        elif event == Event.ACCEPT and accepted_at is None:
            accepted_at = at
        elif event == Event.HOLD_SESSION and contacted_at is None:
            contacted_at = at
        elif event == Event.SUSPEND and suspended_since is None:
            suspended_since = at
        elif event in (Event.RESUME, Event.TERMINATE) and suspended_since is not None:
            suspensions.append((suspended_since, at))
            suspended_since = None
        elif event == Event.EXTEND:
            extensions.append(_extension(at, row.detail))
        elif event == Event.LAST_PARTY_SIGNS:
            signed_at = at
        elif event == Event.APPLY_JC:
            jc_applied_at, jc_decided_at = at, None
        elif event in _JC_RESULTS:
            jc_decided_at = at
        elif event == Event.REMEDIATE:
            remediated_at = at
    if suspended_since is not None:
        suspensions.append((suspended_since, None))
    effective = case_row.agreement_effective_at
    return CaseFacts(
        flow=Flow(case_row.flow),
        procedure=Procedure(case_row.procedure),
        status=CaseStatus(case_row.status),
        court_code=_court_code(case_row),
        received_at=receipt(case_row, received_at).at,
        accepted_at=accepted_at,
        contacted_at=contacted_at,
        suspensions=tuple(suspensions),
        extensions=tuple(extensions),
        agreement_effective_at=from_db(effective) if effective is not None else signed_at,
        jc_applied_at=jc_applied_at,
        jc_decided_at=jc_decided_at,
        remediated_at=remediated_at,
    )


@dataclass(frozen=True)
class Receipt:
    """When the acceptance clock starts, and what that time is (for `docking cases show`)."""

    at: datetime
    source: str  # "court dispatch" | "received here"


def receipt(case_row: StoredCase, registered_at: datetime | None) -> Receipt:
    """The dispatch reached the centre when the court published it on its platform — the centre's e-service
    address for docking — not when our poll happened to read it: e-service takes effect when the document
    reaches the recipient's system (domain.md §3 [S3 Arts 85, 90]), and the court counts its 3 working days
    [S2 Art 12] from its own record. So a poll that was down for a day must not move the deadline a day later.
    Never later than our own receipt, though: a court clock running ahead must not push the deadline out.
    Cases stored before the court's time was recorded (and flow C) start at our receipt, as before."""
    here = registered_at or from_db(case_row.created_at)
    published = case_row.court_dispatched_at
    if published is not None and from_db(published) <= here:
        return Receipt(from_db(published), "court dispatch")
    return Receipt(here, "received here")


def _extension(at: datetime, detail: str) -> Extension:
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    days, new_due = data.get("days"), data.get("new_due")
    if isinstance(days, int) and not isinstance(days, bool):
        return Extension(at, days=days)
    if isinstance(new_due, str):
        try:
            return Extension(at, new_due=date.fromisoformat(new_due))
        except ValueError:
            pass
    return Extension(at)


def _court_code(case_row: StoredCase) -> str | None:
    """The court code read at intake (cases.court_code: the dispatch's, else the one in its 案号); None for flow C.
    A case stored before it was kept (migration 0011) has none: for it alone, the stored dispatch's court code, else
    the one in its 案号 (reference/case_number.py), normalised as both are on intake now — such rows may hold
    粤０１０４. A new case without one (flow C, a dispatch without either) finds none there without parsing a 案号."""
    if case_row.court_code:
        return case_row.court_code
    try:
        code = json.loads(case_row.dispatch_json).get("court_code")
    except (ValueError, AttributeError):
        code = None
    if isinstance(code, str) and code.strip():
        return normalise_court_code(code)
    if case_row.case_number:
        try:
            return case_numbers.parse(case_row.case_number).court_code
        except MalformedCaseNumber:
            return None
    return None
