"""The roster's checks that need the database (partners.md §4 "Guards"), on the partner core's store: each loads the
records it needs and asks the roster's pure guards (adapter/partners/roster/guards.py) — nothing here decides.

- `SqlMediatorRoster.check_assignable`  the centre services' hook (adapter/services.py MediatorRoster): an expired
  or removed mediator cannot be assigned to a case. A mediator is found by their roster `ref` (the record's
  subject) or the platform's id (its partner_ref); no record → no objection (cases of mediators the centre keeps no
  roster entry for work as before).
- `standings(session, uscc)`  the organisation's mediators as the qualifying-minimum guard needs them (filled from
  the records held, never from a client).
- `submit_entry(uow, record_id, …)`  the roster's `submit` with those standings: an organisation with fewer than
  the required qualifying mediators is not submitted (nothing sent).
- `ids_in_two_orgs(uow)`  an ID active in two organisations, on the blind-index match keys (never plain IDs).
"""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from adapter.partners.roster.facts import organisation_of
from adapter.partners.roster.guards import IdInTwoOrgs, MediatorStanding, assignable, standing_of
from adapter.partners.roster.guards import ids_in_two_orgs as _ids_in_two_orgs
from adapter.partners.roster.states import RosterEntity
from adapter.partners.service import ActionResult, run_action
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerRecordRow
from schemas.partner import PartnerKind

ROSTER = PartnerKind.ROSTER.value


def roster_rows(session: Session, entity: RosterEntity) -> Iterator[PartnerRecordRow]:
    """Every roster record of one entity (organisation, mediator, registration, statistics), oldest first. The
    entity lives in the sealed facts, so it is read record by record (a roster holds thousands, not millions)."""
    query = select(PartnerRecordRow).where(PartnerRecordRow.kind == ROSTER)
    for row in session.exec(query.order_by(col(PartnerRecordRow.record_id))):
        if store.view(row).facts.get("entity") == entity.value:
            yield row


def mediator_record(session: Session, mediator: str) -> PartnerRecord | None:
    """The roster record naming `mediator` by ref (subject) or platform id (partner_ref): the latest one."""
    query = select(PartnerRecordRow).where(
        PartnerRecordRow.kind == ROSTER,
        (col(PartnerRecordRow.subject) == mediator) | (col(PartnerRecordRow.partner_ref) == mediator),
    )
    found = [store.view(row) for row in session.exec(query)]
    found = [r for r in found if r.facts.get("entity") == RosterEntity.MEDIATOR.value]
    return max(found, key=lambda r: (r.updated_at, r.record_id)) if found else None


class SqlMediatorRoster:
    """adapter/services.py MediatorRoster on the partner store."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def check_assignable(self, mediator: str, on_day: date) -> None:
        with self.uow.begin() as session:
            record = mediator_record(session, mediator)
        if record is not None:
            assignable(record, on_day)  # InvalidRequest(field="mediator", rule=…) naming the rule


def standings(session: Session, uscc: str) -> tuple[MediatorStanding, ...]:
    """The standings of every mediator record of the organisation `uscc`, for its submission's minimum."""
    mine = []
    for row in roster_rows(session, RosterEntity.MEDIATOR):
        standing = standing_of(store.view(row), row.match_key)
        if standing.organisation == uscc:
            mine.append(standing)
    return tuple(mine)


def ids_in_two_orgs(uow: UnitOfWork) -> list[IdInTwoOrgs]:
    """Every match key (one person) active in two or more organisations' rosters; empty when none."""
    with uow.begin() as session:
        pairs = [(row.match_key, store.view(row)) for row in roster_rows(session, RosterEntity.MEDIATOR)]
    return _ids_in_two_orgs(pairs)


def submit_entry(uow: UnitOfWork, record_id: str, *, actor: str, now: datetime, rules: Any) -> ActionResult:
    """Send an entry for certification. For an organisation the qualifying minimum is checked on the mediator
    records the centre holds for it (`standings`): fewer than `rules.min_qualifying_mediators` → InvalidRequest
    (field "mediators", rule "min_qualifying_mediators" [P46]), and nothing is sent."""
    with uow.begin() as session:
        record = store.view(store.get(session, record_id, lock=False))
        mediators: tuple[MediatorStanding, ...] = ()
        if record.facts.get("entity") == RosterEntity.ORGANISATION.value:
            mediators = standings(session, organisation_of(record).uscc)
    data = {"mediators": [m.model_dump(mode="json") for m in mediators]}
    return run_action(uow, ROSTER, "submit", record_id, data, partner=None, actor=actor, now=now, rules=rules)
