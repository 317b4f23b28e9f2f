"""The roster's guards (partners.md §4 "Guards"), pure: the core and the centre services call them with the records
they loaded, and refuse — sending nothing — with InvalidRequest naming the rule:

- `org_submittable`  rule "min_qualifying_mediators": an organisation with fewer than the required qualifying,
  active, in-term mediators (default 3 [P46]) is not submitted;
- `ids_in_two_orgs`  an ID active in two organisations, found on the core's match keys (blind indexes of the ID,
  adapter/partners/match.py) — never on plain ID numbers — and flagged (listed), not refused: which entry is wrong
  is an operator's call;
- `assignable`       rules "mediator_expired", "mediator_removed", "mediator_retired", "mediator_suspended",
  "mediator_not_active", "mediator_out_of_term": an expired or removed mediator cannot be assigned to a case.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from adapter.errors import InvalidRequest
from adapter.partners.roster.facts import mediator_of, require
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import RosterEntity, RosterStatus
from adapter.partners.spec import PartnerRecord
from schemas.case import Record
from schemas.roster import Organisation, RosterEntryStatus
from schemas.text import Line
from schemas.times import CalendarDate

S = RosterStatus

# Entry statuses in which a mediator stands on an organisation's roster (nominated, awaiting certification, or
# certified): what counts towards the minimum and what "active in two organisations" means.
ON_ROSTER = frozenset({S.DRAFT, S.SUBMITTED, S.CERTIFIED, S.ACTIVE})
# … and where a mediator still holds the place, though not assignable now (a suspension ends).
HOLDS_PLACE = ON_ROSTER | {S.SUSPENDED}


class MediatorStanding(Record):
    """What the qualifying minimum needs of one mediator record, without the ID: its ref, the record's status, the
    organisation (USCC), the status the centre declares, whether they qualify and the term. `standing_of` builds it
    from a loaded record; the organisation's `submit` action takes a tuple of them (filled by the core from the
    records it holds — never trusted from a client)."""

    ref: Line = Field(min_length=1, max_length=40)
    status: RosterStatus
    organisation: Line = Field(min_length=18, max_length=18)
    declared: RosterEntryStatus = RosterEntryStatus.ACTIVE
    qualifying: bool
    term_from: CalendarDate
    term_to: CalendarDate
    # The person, as the core's blind index of their ID (the record's match_key column) — never the ID: one person
    # entered twice in an organisation counts once toward the minimum. None: not known (counted by ref).
    person: Line | None = Field(default=None, max_length=100)


def standing_of(record: PartnerRecord, person: str | None = None) -> MediatorStanding:
    """The standing of a mediator record as loaded; InvalidRequest(rule="entity") for another kind of record."""
    require(record, RosterEntity.MEDIATOR, doing="the qualifying minimum")
    mediator = mediator_of(record)
    return MediatorStanding(
        ref=mediator.ref,
        status=RosterStatus(record.status),
        organisation=mediator.organisation,
        declared=mediator.status,
        qualifying=mediator.qualifying,
        term_from=mediator.term_from,
        term_to=mediator.term_to,
        person=person,
    )


def why_not_counted(mediator: MediatorStanding, uscc: str, today: date) -> str | None:
    """Why this mediator does not count towards `uscc`'s qualifying minimum on `today`, or None if they do."""
    if mediator.organisation != uscc:
        return "another organisation"
    if mediator.status not in ON_ROSTER or mediator.declared is not RosterEntryStatus.ACTIVE:
        status = mediator.status if mediator.status not in ON_ROSTER else mediator.declared
        return f"status {status.lower()}"
    if not mediator.qualifying:
        return "not qualifying"
    if today > mediator.term_to:
        return f"term ended {mediator.term_to}"
    if today < mediator.term_from:
        return f"term begins {mediator.term_from}"
    return None


def org_submittable(
    org: Organisation, mediators: Sequence[PartnerRecord | MediatorStanding], today: date, rules: RosterRules
) -> None:
    """None if `org` may be submitted on `today` (China date): at least `rules.min_qualifying_mediators` (3 [P46])
    of `mediators` (the organisation's mediator records as loaded, or their standings) are qualifying, active (on
    the roster: draft, submitted, certified or active, and declared active — not suspended, retired, expired or
    rejected) and in term that day (term_from ≤ today ≤ term_to, calendar dates). Mediators of other
    organisations are ignored. Else InvalidRequest(field="mediators", rule="min_qualifying_mediators") naming the
    count, the minimum and why each other mediator does not count (by ref, never an ID). A person (standing.person,
    the blind index of their ID) entered twice counts once."""
    people: set[str] = set()
    excluded = []
    for item in mediators:
        standing = item if isinstance(item, MediatorStanding) else standing_of(item)
        why = why_not_counted(standing, org.uscc, today)
        person = standing.person or f"ref:{standing.ref}"
        if why is None and person in people:
            why = "the same person as another mediator counted (one ID)"
        if why is None:
            people.add(person)
        elif why != "another organisation":
            excluded.append(f"{standing.ref}: {why}")
    needed, counted = rules.min_qualifying_mediators, len(people)
    if counted < needed:
        others = f"; not counted: {', '.join(excluded)}" if excluded else ""
        raise InvalidRequest(
            f"organisation {org.uscc} has {counted} qualifying, active, in-term mediator(s) on {today}; at least "
            f"{needed} are required before it is submitted (rule min_qualifying_mediators [P46]){others}",
            field="mediators",
            rule="min_qualifying_mediators",
        )


@dataclass(frozen=True)
class IdInTwoOrgs:
    """One person (one match key) on the roster of more than one organisation: their entries and organisations."""

    match_key: str
    record_ids: tuple[str, ...]
    refs: tuple[str, ...]
    organisations: tuple[str, ...]  # USCCs, sorted


def ids_in_two_orgs(mediators: Sequence[tuple[str | None, PartnerRecord]]) -> list[IdInTwoOrgs]:
    """The match keys held by mediator records of two or more organisations, among (match_key, record) pairs the
    core loaded (its `match_key` column beside each record's view). Only entries holding a place on a roster count
    (draft, submitted, certified, active, suspended); retired, expired and rejected ones do not. Keys are compared
    as stored ("<key id>:<HMAC>"): the core loads them under one data key (adapter/partners/match.py
    search_values finds the same person under older keys). Sorted by match key; empty when none."""
    by_key: dict[str, list[tuple[PartnerRecord, str]]] = {}
    for key, record in mediators:
        require(record, RosterEntity.MEDIATOR, doing="the two-organisations check")
        if key is None or record.status not in HOLDS_PLACE:
            continue
        by_key.setdefault(key, []).append((record, mediator_of(record).organisation))
    found = []
    for key, entries in sorted(by_key.items()):
        organisations = sorted({org for _, org in entries})
        if len(organisations) > 1:
            found.append(
                IdInTwoOrgs(
                    match_key=key,
                    record_ids=tuple(r.record_id for r, _ in entries),
                    refs=tuple(r.subject for r, _ in entries),
                    organisations=tuple(organisations),
                )
            )
    return found


def unassignable_reason(mediator: PartnerRecord, on_day: date) -> tuple[str, str] | None:
    """(rule, why) if the mediator cannot be assigned a case on `on_day` (China date), else None."""
    require(mediator, RosterEntity.MEDIATOR, doing="assignment")
    facts = mediator_of(mediator)
    status = mediator.status
    if status == S.EXPIRED or (status in HOLDS_PLACE and on_day > facts.term_to):
        return "mediator_expired", f"expired (term ended {facts.term_to})"
    if status == S.RETIRED:
        if mediator.facts.get("removed"):
            return "mediator_removed", "removed from the roster by a court"
        return "mediator_retired", "retired from the roster"
    if status == S.SUSPENDED:
        return "mediator_suspended", "suspended"
    if status != S.ACTIVE:
        return "mediator_not_active", f"not yet active on the roster (status {status})"
    if on_day < facts.term_from:
        return "mediator_out_of_term", f"out of term (term begins {facts.term_from})"
    return None


def assignable(mediator: PartnerRecord, on_day: date) -> None:
    """None if the mediator (their roster record) may be assigned a case on `on_day`: ACTIVE and in term (calendar
    dates, both ends inclusive). Else InvalidRequest(field="mediator", rule=one of the module's assignment rules)
    saying why — an expired or removed mediator cannot be assigned to a case (partners.md §4)."""
    found = unassignable_reason(mediator, on_day)
    if found is not None:
        rule, why = found
        raise InvalidRequest(
            f"an expired or removed mediator cannot be assigned to a case: {mediator.subject} is {why} on {on_day}",
            field="mediator",
            rule=rule,
        )
