"""The centre's actions on roster entries (organisations and mediators, partners.md §4), pure: each returns the
Change the core applies, or raises InvalidRequest naming the field and rule (nothing stored, nothing sent). The
machine (states.py) refuses an action its status does not allow; the guards here refuse what it does allow but
the rules do not. `changed_at` in an input is when the change happened (default: now) — the 5-working-day sync
clock runs from it (deadlines.py), so a change recorded late is late.

    upsert_org / upsert_mediator (open, DRAFT; nothing sent)   edit_org / edit_mediator (a draft edited, or a
    certified entry's change sent)   submit (the qualifying-minimum guard for an organisation)   activate
    — and in lifecycle.py: suspend / resume, retire, expire (a mediator past their term), renew
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from adapter.deadlines.calendar import china_date
from adapter.errors import InvalidRequest
from adapter.partners.roster.facts import ENTRIES, existing, iso, mediator_of, organisation_of, require
from adapter.partners.roster.guards import MediatorStanding, org_submittable
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import RosterEntity, RosterEvent, RosterNote
from adapter.partners.roster.states import RosterStatus as S
from adapter.partners.spec import Change, Outgoing, PartnerRecord
from reference.courts import court_table
from schemas.roster import Mediator, Organisation, RosterMessageType
from schemas.text import Text
from schemas.times import CalendarDate, Timestamp

E, M = RosterEvent, RosterMessageType
ORG, MED = RosterEntity.ORGANISATION, RosterEntity.MEDIATOR
_CERTIFIED = frozenset({S.CERTIFIED, S.ACTIVE, S.SUSPENDED})


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrgInput(_Input):
    organisation: Organisation
    changed_at: Timestamp | None = None


class MediatorInput(_Input):
    mediator: Mediator
    changed_at: Timestamp | None = None


class SubmitInput(_Input):
    """For an organisation, `mediators`: the standings of its mediator records as the core loaded them
    (guards.standing_of) — the qualifying minimum is checked on them [P46]; ignored for a mediator."""

    mediators: tuple[MediatorStanding, ...] = ()


class NoInput(_Input):
    pass


class ReasonInput(_Input):
    reason: Text = Field(min_length=1, max_length=1000)
    changed_at: Timestamp | None = None


class ChangedInput(_Input):
    changed_at: Timestamp | None = None


class RenewInput(_Input):
    term_from: CalendarDate
    term_to: CalendarDate


def when(changed_at: datetime | None, now: datetime) -> datetime:
    if changed_at is not None and changed_at > now:
        raise InvalidRequest(
            f"changed_at {changed_at.isoformat()} is in the future", field="changed_at", rule="not_in_future"
        )
    return changed_at or now


def _courts_known(org: Organisation) -> None:
    table = court_table()
    for i, code in enumerate(org.courts):
        if table.get(code) is None:
            raise InvalidRequest(
                f"organisation.courts[{i}]: {code!r} is not a court code of reference/courts.csv "
                f"(version {table.version})",
                field=f"organisation.courts.{i}",
                rule="court_code",
            )


def _draft(entity: RosterEntity, body: Organisation | Mediator, changed_at: datetime | None, now: datetime,
           detail: str, subject: str) -> Change:  # fmt: skip
    facts = {
        "entity": entity.value,
        entity.value: body.model_dump(mode="json"),
        "changed_at": iso(when(changed_at, now)),
    }
    match_id = body.id_number if isinstance(body, Mediator) else None
    return Change(event=E.DRAFT, facts=facts, detail=detail, subject=subject, match_id=match_id)


def upsert_org(record: PartnerRecord | None, data: OrgInput, now: datetime, rules: RosterRules) -> Change:
    """Open an organisation's entry in DRAFT (nothing sent until `submit`); its inviting courts must be in the
    court table (rule court_code)."""
    org = data.organisation
    _courts_known(org)
    detail = f"organisation {org.name} ({org.uscc}, {org.kind.value}) drafted"
    return _draft(ORG, org, data.changed_at, now, detail, org.uscc)


def upsert_mediator(record: PartnerRecord | None, data: MediatorInput, now: datetime, rules: RosterRules) -> Change:
    """Open a mediator's entry in DRAFT; `match_id` is the ID number, so the core keeps its blind index for the
    two-organisations check (guards.ids_in_two_orgs) — the history names the ref, never the number."""
    med = data.mediator
    detail = f"mediator {med.ref} of {med.organisation} drafted (term {med.term_from} – {med.term_to})"
    return _draft(MED, med, data.changed_at, now, detail, med.ref)


def upsert_of(entity: RosterEntity, body: Organisation | Mediator) -> Outgoing:
    return Outgoing(type=M.ORG_UPSERT if entity is ORG else M.MEDIATOR_UPSERT, body=body)


def entry_body(record: PartnerRecord, entity: RosterEntity) -> Organisation | Mediator:
    return organisation_of(record) if entity is ORG else mediator_of(record)


def _edit(
    record: PartnerRecord,
    entity: RosterEntity,
    new: Organisation | Mediator,
    changed_at: datetime | None,
    now: datetime,
) -> Change:
    old = entry_body(record, entity)
    key = "organisation" if entity is ORG else "mediator"
    same = (
        (old.uscc == new.uscc)
        if isinstance(old, Organisation) and isinstance(new, Organisation)
        else (
            isinstance(old, Mediator)
            and isinstance(new, Mediator)
            and (old.ref, old.id_type, old.id_number) == (new.ref, new.id_type, new.id_number)
        )
    )
    if not same:
        what = "USCC" if entity is ORG else "ref and ID"
        raise InvalidRequest(
            f"an edit keeps the entry's {what}; another one is a new entry", field=key, rule="identity"
        )
    if new.status is not old.status:
        raise InvalidRequest(
            f"{key}.status changes by suspend, resume or retire, not by an edit",
            field=f"{key}.status",
            rule="status_by_action",
        )
    if record.status in (S.EXPIRED, S.RETIRED):
        raise InvalidRequest(f"{record.record_id} is {record.status}: renew or open a new entry", rule="entry_closed")
    facts: dict[str, Any] = {key: new.model_dump(mode="json")}
    changed = iso(when(changed_at, now))
    if record.status in (S.DRAFT, S.REJECTED):  # not on the platform (live) yet: `submit` sends it
        if record.status == S.REJECTED:  # the correction is a new change to sync; a draft's clock runs from opening
            facts["changed_at"] = changed
        return Change(note=RosterNote.EDITED, facts=facts, detail=f"{record.subject} edited before submission")
    facts.update(changed_at=changed, sent_at=iso(now))
    event = E.UPDATE if record.status in _CERTIFIED else None  # SUBMITTED: the corrected one awaits certification
    return Change(
        event=event,
        note=None if event else RosterNote.EDITED,
        facts=facts,
        outgoing=(upsert_of(entity, new),),
        detail=f"{record.subject} changed; sent to the platform",
    )


def edit_org(record: PartnerRecord | None, data: OrgInput, now: datetime, rules: RosterRules) -> Change:
    record = existing(record, "edit_org")
    require(record, ORG, doing="edit_org")
    _courts_known(data.organisation)
    return _edit(record, ORG, data.organisation, data.changed_at, now)


def edit_mediator(record: PartnerRecord | None, data: MediatorInput, now: datetime, rules: RosterRules) -> Change:
    record = existing(record, "edit_mediator")
    require(record, MED, doing="edit_mediator")
    return _edit(record, MED, data.mediator, data.changed_at, now)


def term_not_ended(mediator: Mediator, today: date) -> None:
    if today > mediator.term_to:
        raise InvalidRequest(
            f"mediator {mediator.ref}'s term ended {mediator.term_to}: renew it first",
            field="mediator.term_to",
            rule="term_ended",
        )


def submit(record: PartnerRecord | None, data: SubmitInput, now: datetime, rules: RosterRules) -> Change:
    """Send a draft (or a rejected entry, corrected) for certification. An organisation needs the qualifying
    minimum (guards.org_submittable, rule min_qualifying_mediators [P46]); a mediator a term not yet ended."""
    record = existing(record, "submit")
    entity = require(record, *ENTRIES, doing="submit")
    today = china_date(now)
    body = entry_body(record, entity)
    if isinstance(body, Organisation):
        org_submittable(body, data.mediators, today, rules)
    else:
        term_not_ended(body, today)
    facts = {"submitted_at": iso(now), "sent_at": iso(now)}
    if record.facts.get("changed_at") is None:
        facts["changed_at"] = iso(now)
    return Change(
        event=E.SUBMIT,
        facts=facts,
        outgoing=(upsert_of(entity, body),),
        detail=f"{record.subject} submitted for certification",
    )


def activate(record: PartnerRecord | None, data: NoInput, now: datetime, rules: RosterRules) -> Change:
    """A certified entry onboarded; a mediator only once their term has begun (rule term_not_begun)."""
    record = existing(record, "activate")
    entity = require(record, *ENTRIES, doing="activate")
    if entity is MED and mediator_of(record).term_from > china_date(now):
        term_from = mediator_of(record).term_from
        raise InvalidRequest(
            f"{record.subject}'s term begins {term_from}", field="mediator.term_from", rule="term_not_begun"
        )
    return Change(event=E.ACTIVATE, detail=f"{record.subject} active")
