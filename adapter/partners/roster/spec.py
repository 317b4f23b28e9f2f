"""ROSTER: the SPC roster kind's PartnerSpec (adapter/partners/spec.py) — the machine, the actions, the rules model,
the bodies by message type, inbound handling, due dates, the platform's status as we expect it, the repair of a
lost upsert or registration — and the statistics reconciliation's pure half (`our_counts`, `differences`).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from adapter.deadlines.calendar import WorkCalendar, china_date
from adapter.partners.roster import actions as a
from adapter.partners.roster import lifecycle as lc
from adapter.partners.roster import registration as r
from adapter.partners.roster.deadlines import roster_due_dates
from adapter.partners.roster.facts import ENTRIES, at, entity, mediator_of, organisation_of, registration_of
from adapter.partners.roster.inbound import on_message
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import MACHINE, RosterEntity
from adapter.partners.roster.states import RosterStatus as S
from adapter.partners.spec import Action, Change, Outgoing, PartnerDue, PartnerRecord, Unique
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.roster import MESSAGE_BODIES, MediatorRetireBody, RosterMessageType
from schemas.roster import RosterPartnerStatus as P

M = RosterMessageType


def _editable(kind: RosterEntity) -> Callable[[PartnerRecord], bool]:
    """An entry of that kind, not ended (expired or retired entries are renewed or opened anew, actions.py)."""
    ended = (S.EXPIRED, S.RETIRED)
    return lambda r: r.facts.get("entity") == kind.value and r.status not in ended and not MACHINE.is_final(r.status)


def _same_entry(key: str) -> Callable[[PartnerRecord, Change], bool]:
    """A second open entry for the same organisation (its USCC, the record's subject) or for the same person in
    the same organisation (the core found the same match key): one entry each, edited thereafter."""

    def same(existing: PartnerRecord, change: Change) -> bool:
        theirs, ours = existing.facts.get(key) or {}, change.facts.get(key) or {}
        if key == "organisation":
            return existing.facts.get("entity") == key and existing.subject == change.subject
        return existing.facts.get("entity") == key and theirs.get("organisation") == ours.get("organisation")

    return same


DRAFT, UPDATE = ("draft",), ("update",)  # the events of the actions not named as one (spec.Action.events)
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("upsert_org", "open an organisation's roster entry (draft)", a.OrgInput, a.upsert_org, opens=True,
               events=DRAFT, unique=Unique("organisation.uscc", _same_entry("organisation"))),
        Action("upsert_mediator", "open a mediator's entry (draft)", a.MediatorInput, a.upsert_mediator, opens=True,
               events=DRAFT, unique=Unique("mediator.id_number", _same_entry("mediator"))),
        Action("edit_org", "change an organisation's entry (sent if certified)", a.OrgInput, a.edit_org,
               events=UPDATE, available=_editable(RosterEntity.ORGANISATION)),
        Action("edit_mediator", "change a mediator's entry (sent if certified)", a.MediatorInput, a.edit_mediator,
               events=UPDATE, available=_editable(RosterEntity.MEDIATOR)),
        Action("submit", "send an entry for certification (≥3 qualifying mediators [P46])", a.SubmitInput, a.submit),
        Action("activate", "onboard a certified entry", a.NoInput, a.activate),
        Action("suspend", "suspend an active entry", a.ReasonInput, lc.suspend),
        Action("resume", "resume a suspended entry", a.ChangedInput, lc.resume),
        Action("retire", "take an entry off the roster", a.ReasonInput, lc.retire),
        Action("expire", "expire a mediator past their term", a.NoInput, lc.expire),
        Action("renew", "submit an expired mediator's new term [P45]", a.RenewInput, lc.renew),
        Action("register_case", "register a closed flow-C case", r.RegisterCaseInput, r.register_case, opens=True,
               events=("queue_registration",)),
        Action("resubmit_registration", "send a refused registration again", r.ResubmitInput, r.resubmit_registration,
               events=("requeue_registration",)),
    )
}  # fmt: skip

# What the platform should say of an entry in each of our statuses (None: it has not been sent).
_ENTRY_STATUS: dict[str, P | None] = {
    S.DRAFT: None,
    S.SUBMITTED: P.PENDING,
    S.CERTIFIED: P.CERTIFIED,
    S.ACTIVE: P.CERTIFIED,
    S.SUSPENDED: P.SUSPENDED,
    S.RETIRED: P.RETIRED,
    S.EXPIRED: P.EXPIRED,
    S.REJECTED: P.REJECTED,
}
_REGISTRATION_STATUS: dict[str, P] = {
    S.PENDING: P.PENDING,
    S.REGISTERED: P.REGISTERED,
    S.REGISTRATION_REJECTED: P.REJECTED,
}
# The platform's counts we reconcile, by key (the sandbox and the wire mapping use the same keys).
COUNT_KEYS = ("organisations", "mediators", "registered")


class RosterSpec:
    kind = PartnerKind.ROSTER
    machine = MACHINE
    actions: Mapping[str, Action] = ACTIONS
    rules_model: type[BaseModel] = RosterRules

    def body_model(self, type: str) -> type[BaseModel]:
        try:
            return MESSAGE_BODIES[RosterMessageType(type)]
        except ValueError:
            raise KeyError(f"roster has no message type {type!r}") from None

    def on_message(self, record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
        return on_message(record, envelope, now, rules)

    def due_dates(
        self,
        record: PartnerRecord,
        history: Sequence[tuple[datetime, str]],
        calendar: WorkCalendar,
        now: datetime,
        rules: Any,
    ) -> list[PartnerDue]:
        return roster_due_dates(record, history, calendar, now, rules if rules is not None else RosterRules())

    def partner_status(self, record: PartnerRecord) -> str | None:
        """pending / certified / suspended / retired / expired / rejected for an entry sent to the platform (None for
        a draft, or an entry retired before it was ever sent); pending / registered / rejected for a registration;
        None for a statistics record (the platform's own)."""
        what = entity(record)
        if what is RosterEntity.REGISTRATION:
            return _REGISTRATION_STATUS[record.status].value
        if what not in ENTRIES or record.facts.get("sent_at") is None:
            return None
        expected = _ENTRY_STATUS[record.status]
        return expected.value if expected is not None else None

    def agrees(self, record: PartnerRecord, theirs: str | None) -> bool:
        """The platform's words are ours one for one (_ENTRY_STATUS, _REGISTRATION_STATUS): only the same agrees."""
        return theirs == self.partner_status(record)

    def figures(self, records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
        """The platform's statistics are not by status: organisations, mediators, registered (`our_counts`) — the
        counting `docking roster stats` uses too."""
        return our_counts(records, month)

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        """Resend what the platform lost: an entry's upsert (its current status) or a mediator's retirement; a
        registration's form when the platform does not know it. Nothing when the platform knows the record but
        disagrees otherwise (a rejection we hold as certified …): an operator decides."""
        ours = self.partner_status(record)
        if ours is None or theirs == ours:
            return ()
        lost = theirs in (None, P.UNKNOWN)
        what = entity(record)
        if what is RosterEntity.REGISTRATION:
            return (Outgoing(M.OFFLINE_REGISTER, registration_of(record)),) if lost else ()
        if record.status == S.REJECTED or (not lost and record.status == S.SUBMITTED):
            return ()  # theirs decided (certified or rejected) and the answer is on its way, or ours is a refusal
        if record.status == S.RETIRED and what is RosterEntity.MEDIATOR:
            if record.facts.get("removed"):
                return ()  # a court removed it: the platform said so; nothing of ours to resend
            reason = str(record.facts.get("reason") or "retired")
            return (Outgoing(M.MEDIATOR_RETIRE, MediatorRetireBody(ref=record.subject, reason=reason, retired_at=now)),)
        if what is RosterEntity.ORGANISATION:
            return (Outgoing(M.ORG_UPSERT, organisation_of(record)),)
        return (Outgoing(M.MEDIATOR_UPSERT, mediator_of(record)),)


ROSTER = RosterSpec()


def our_counts(records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
    """Our side of the platform's monthly statistics: organisations and mediators certified on the roster now
    (CERTIFIED, ACTIVE, SUSPENDED) and registrations registered in `month` ("YYYY-MM", China time)."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for record in records:
        what = entity(record)
        if what in ENTRIES and record.status in (S.CERTIFIED, S.ACTIVE, S.SUSPENDED):
            counts["organisations" if what is RosterEntity.ORGANISATION else "mediators"] += 1
        registered = at(record.facts, "registered_at")
        if what is RosterEntity.REGISTRATION and registered is not None and _month(registered) == month:
            counts["registered"] += 1
    return counts


def differences(ours: Mapping[str, int], theirs: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Each count where ours and the platform's differ: key → (ours, theirs), a missing count read as 0."""
    keys = sorted(set(ours) | set(theirs))
    return {k: (ours.get(k, 0), theirs.get(k, 0)) for k in keys if ours.get(k, 0) != theirs.get(k, 0)}


def _month(value: datetime) -> str:
    return china_date(value).strftime("%Y-%m")
