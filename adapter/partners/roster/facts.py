"""The roster record's facts (PartnerRecord.facts, sealed at rest by the core) and their readers. One layout:

    every record   {"entity": "organisation" | "mediator" | "registration" | "statistics", …}
    organisation   "organisation": Organisation (JSON)
    mediator       "mediator": Mediator (JSON, with the ID number — sealed; lists show `ref`)
    entries        "changed_at": when the entry last changed (the sync clock starts), "sent_at": when that change
                   was last queued to the platform (the clock stops), "submitted_at", "answered_at" (certified or
                   rejected), "certified_at", "reason" (the last rejection, suspension, retirement or removal),
                   "removed": true once a court removed it
    registration   "registration": OfflineRegistration (JSON), "closed_at": when the case closed,
                   "registered_at", "rejected_at", "reason"
    statistics     "month", "counts", "taken_at"

Times are ISO 8601 text with offset (what the core's JSON keeps); `at()` reads them back.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapter.errors import InvalidRequest
from adapter.partners.roster.states import RosterEntity
from adapter.partners.spec import PartnerRecord
from schemas.roster import Mediator, OfflineRegistration, Organisation

ENTRIES = frozenset({RosterEntity.ORGANISATION, RosterEntity.MEDIATOR})


def entity(record: PartnerRecord) -> RosterEntity:
    """What the record is; InvalidRequest(rule="entity") if its facts do not say (not a roster record)."""
    try:
        return RosterEntity(str(record.facts.get("entity")))
    except ValueError:
        raise InvalidRequest(
            f"{record.record_id} is not a roster record (facts.entity {record.facts.get('entity')!r})",
            field="record_id",
            rule="entity",
        ) from None


def require(record: PartnerRecord, *allowed: RosterEntity, doing: str) -> RosterEntity:
    """The record's entity if among `allowed`; InvalidRequest(rule="entity") naming what `doing` applies to."""
    found = entity(record)
    if found not in allowed:
        names = " or ".join(e.value for e in allowed)
        raise InvalidRequest(
            f"{doing} applies to a {names}; {record.record_id} is a {found.value}", field="record_id", rule="entity"
        )
    return found


def existing(record: PartnerRecord | None, doing: str) -> PartnerRecord:
    """The record an action applies to; InvalidRequest(field "record_id", rule "record") when there is none — an
    error, not an `assert`, so the check holds under `python -O` too."""
    if record is None:
        raise InvalidRequest(f"{doing} applies to an existing roster record; none was given", field="record_id",
                             rule="record")  # fmt: skip
    return record


def organisation_of(record: PartnerRecord) -> Organisation:
    return Organisation.model_validate(record.facts["organisation"])


def mediator_of(record: PartnerRecord) -> Mediator:
    return Mediator.model_validate(record.facts["mediator"])


def registration_of(record: PartnerRecord) -> OfflineRegistration:
    return OfflineRegistration.model_validate(record.facts["registration"])


def at(facts: Mapping[str, Any], key: str) -> datetime | None:
    """A stored time, or None when absent."""
    value = facts.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def iso(value: datetime) -> str:
    return value.isoformat()
