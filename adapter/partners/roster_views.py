"""The roster as the CLI and the console show it (`docking roster orgs | mediators`): organisations and mediators
with their status on the platform, IDs masked (adapter/masking.py: first 6 and last 4 — PIPL Art 28), terms as
calendar dates with the calendar days left; and the lookups the roster commands need (an entry by USCC or ref, the
one roster partner configured)."""

from collections.abc import Collection
from datetime import date
from typing import Any

from adapter.errors import InvalidRequest
from adapter.masking import mask_id
from adapter.partners.roster.facts import mediator_of, organisation_of
from adapter.partners.roster.states import RosterEntity
from adapter.partners.roster_checks import roster_rows
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork

ORG_COLUMNS = ["record", "uscc", "name", "kind", "status", "platform_id", "mediators", "partner"]
MEDIATOR_COLUMNS = ["record", "ref", "name", "id", "organisation", "status", "term_to", "days_left", "platform_id"]


def _records(uow: UnitOfWork, entity: RosterEntity, partner: str | None) -> list[PartnerRecord]:
    with uow.begin() as session:
        found = [store.view(row) for row in roster_rows(session, entity)]
    return [r for r in found if partner is None or r.partner == partner]


def org_rows(uow: UnitOfWork, partner: str | None = None) -> list[dict[str, Any]]:
    """Each organisation: USCC, name, kind, status, the platform's id, and how many mediators it holds."""
    held: dict[str, int] = {}
    for record in _records(uow, RosterEntity.MEDIATOR, partner):
        if record.closed_at is None:
            uscc = mediator_of(record).organisation
            held[uscc] = held.get(uscc, 0) + 1
    rows = []
    for record in _records(uow, RosterEntity.ORGANISATION, partner):
        org = organisation_of(record)
        rows.append({"record": record.record_id, "uscc": org.uscc, "name": org.name, "kind": org.kind.value,
                     "status": record.status, "platform_id": record.partner_ref or "",
                     "mediators": held.get(org.uscc, 0), "partner": record.partner})  # fmt: skip
    return rows


def mediator_rows(
    uow: UnitOfWork, today: date, *, expiring_days: int | None = None, partner: str | None = None
) -> list[dict[str, Any]]:
    """Each mediator (ID masked); with `expiring_days`, only those on the roster whose term ends within that many
    calendar days of `today` (China date) — or has ended while they still hold the place — soonest first."""
    rows = []
    for record in _records(uow, RosterEntity.MEDIATOR, partner):
        mediator = mediator_of(record)
        left = (mediator.term_to - today).days
        if expiring_days is not None and (record.closed_at is not None or record.status in ("EXPIRED", "REJECTED")
                                          or left > expiring_days):  # fmt: skip
            continue
        rows.append({"record": record.record_id, "ref": mediator.ref, "name": mediator.name,
                     "id": mask_id(mediator.id_number), "organisation": mediator.organisation,
                     "status": record.status, "term_to": mediator.term_to, "days_left": left,
                     "platform_id": record.partner_ref or ""})  # fmt: skip
    if expiring_days is not None:
        rows.sort(key=lambda r: (r["days_left"], r["ref"]))
    return rows


def entry_by_subject(uow: UnitOfWork, subject: str, entity: RosterEntity) -> PartnerRecord | None:
    """The latest open entry named `subject` (an organisation's USCC, a mediator's ref), else the latest closed."""
    found = [r for r in _records(uow, entity, None) if r.subject == subject]
    found.sort(key=lambda r: (r.closed_at is None, r.updated_at, r.record_id))
    return found[-1] if found else None


def roster_partner(configured: dict[str, str], given: str | None) -> str:
    """The roster partner to act for: `given` (checked), or the one configured; InvalidRequest(field "partner")."""
    rosters: Collection[str] = [name for name, kind in configured.items() if kind == "roster"]
    if given is not None:
        if given not in rosters:
            known = ", ".join(rosters) or "none"
            raise InvalidRequest(f"--partner {given!r} is not a configured roster partner ({known})",
                                 field="partner", rule="roster_partner")  # fmt: skip
        return given
    if len(rosters) != 1:
        raise InvalidRequest(f"{len(rosters)} roster partners are configured ({', '.join(rosters) or 'none'}): name "
                             "one with --partner", field="partner", rule="roster_partner")  # fmt: skip
    return next(iter(rosters))
