"""The roster entries' lifecycle after certification (partners.md §4), pure like actions.py: suspend and resume,
retire (a mediator's `roster.mediator_retire`, an organisation's upsert as retired), expire a mediator past their
term (nothing sent: the platform holds the term) and renew an expired one for certification again [P45]. Each
status change sent to the platform restarts the 5-working-day sync clock from `changed_at` (deadlines.py).
"""

from datetime import datetime
from typing import Any

from adapter.deadlines.calendar import china_date
from adapter.errors import InvalidRequest
from adapter.partners.roster.actions import (
    MED,
    ORG,
    ChangedInput,
    NoInput,
    ReasonInput,
    RenewInput,
    entry_body,
    term_not_ended,
    upsert_of,
    when,
)
from adapter.partners.roster.facts import ENTRIES, existing, iso, mediator_of, require
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import RosterEvent
from adapter.partners.roster.states import RosterStatus as S
from adapter.partners.spec import Change, Outgoing, PartnerRecord
from schemas.roster import Mediator, MediatorRetireBody, RosterEntryStatus, RosterMessageType

E, M = RosterEvent, RosterMessageType


def _status_change(
    record: PartnerRecord,
    event: RosterEvent,
    status: RosterEntryStatus,
    changed_at: datetime | None,
    now: datetime,
    reason: str | None,
) -> Change:
    entity = require(record, *ENTRIES, doing=event.value)
    key = "organisation" if entity is ORG else "mediator"
    body = entry_body(record, entity).model_copy(update={"status": status})
    facts: dict[str, Any] = {key: body.model_dump(mode="json"), "reason": reason}
    never_sent = record.status in (S.DRAFT, S.REJECTED)  # the platform holds nothing live to change
    if never_sent:
        return Change(event=event, facts={**facts, "changed_at": None}, detail=f"{record.subject} {event.value}d")
    facts.update(changed_at=iso(when(changed_at, now)), sent_at=iso(now))
    out: Outgoing = upsert_of(entity, body)
    if entity is MED and status is RosterEntryStatus.RETIRED:
        out = Outgoing(M.MEDIATOR_RETIRE, MediatorRetireBody(ref=record.subject, reason=reason or "", retired_at=now))
    return Change(
        event=event, facts=facts, outgoing=(out,), detail=f"{record.subject} {event.value}d; sent to the platform"
    )


def suspend(record: PartnerRecord | None, data: ReasonInput, now: datetime, rules: RosterRules) -> Change:
    record = existing(record, "suspend")
    return _status_change(record, E.SUSPEND, RosterEntryStatus.SUSPENDED, data.changed_at, now, data.reason)


def resume(record: PartnerRecord | None, data: ChangedInput, now: datetime, rules: RosterRules) -> Change:
    record = existing(record, "resume")
    return _status_change(record, E.RESUME, RosterEntryStatus.ACTIVE, data.changed_at, now, None)


def retire(record: PartnerRecord | None, data: ReasonInput, now: datetime, rules: RosterRules) -> Change:
    """Off the roster for good: a mediator's `roster.mediator_retire`, an organisation's upsert as retired; a draft
    or rejected entry, which the platform does not list, just closes."""
    record = existing(record, "retire")
    return _status_change(record, E.RETIRE, RosterEntryStatus.RETIRED, data.changed_at, now, data.reason)


def expire(record: PartnerRecord | None, data: NoInput, now: datetime, rules: RosterRules) -> Change:
    """A mediator whose term has ended (rule term_not_ended before its last day has passed, China date); the
    platform holds the term itself, so nothing is sent. Organisations have no term (rule entity)."""
    record = existing(record, "expire")
    require(record, MED, doing="expire")
    term_to = mediator_of(record).term_to
    if china_date(now) <= term_to:
        raise InvalidRequest(
            f"{record.subject}'s term runs to {term_to}", field="mediator.term_to", rule="term_not_ended"
        )
    return Change(event=E.EXPIRE, detail=f"{record.subject} expired (term ended {term_to})")


def renew(record: PartnerRecord | None, data: RenewInput, now: datetime, rules: RosterRules) -> Change:
    """An expired mediator's new term, sent for certification again [P45]; the term must not have ended."""
    record = existing(record, "renew")
    require(record, MED, doing="renew")
    try:
        renewed = mediator_of(record).model_copy(update={"term_from": data.term_from, "term_to": data.term_to})
        renewed = Mediator.model_validate(renewed.model_dump())  # the term's order checked again
    except ValueError as exc:
        raise InvalidRequest(f"term: {exc}", field="term_to", rule="term_order") from None
    term_not_ended(renewed, china_date(now))
    facts = {
        "mediator": renewed.model_dump(mode="json"),
        "submitted_at": iso(now),
        "changed_at": iso(now),
        "sent_at": iso(now),
    }
    return Change(
        event=E.RENEW,
        facts=facts,
        outgoing=(upsert_of(MED, renewed),),
        detail=f"{record.subject} renewed (term {data.term_from} – {data.term_to}); submitted",
    )
