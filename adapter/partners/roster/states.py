"""The roster kind's one state machine (partners.md §4 "Suggested model"): roster entries (organisations and
mediators), registrations of closed self-received cases, and the platform's monthly statistics. A record's facts
say which it is (`facts["entity"]`: organisation | mediator | registration | statistics); the statuses and events
keep them apart — every status but NEW belongs to exactly one of them, and no event leads from one's statuses into
another's (tests/unit/test_roster_states.py checks both).

    NEW is never at rest: every opening Change names the event that says what the record is.
    entries:       NEW ─draft→ DRAFT ─submit→ SUBMITTED ─certify→ CERTIFIED ─activate→ ACTIVE
                   SUBMITTED ─reject→ REJECTED ─submit→ SUBMITTED (corrected and resubmitted)
                   CERTIFIED|ACTIVE|SUSPENDED ─update→ same (a change synced to the platform)
                   ACTIVE ─suspend→ SUSPENDED ─resume→ ACTIVE
                   CERTIFIED|ACTIVE|SUSPENDED ─expire→ EXPIRED ─renew→ SUBMITTED (a new term [P45])
                   any open entry ─retire→ RETIRED; certified ones ─remove→ RETIRED (a court removed it [P43 Art 28])
    registrations: NEW ─queue_registration→ PENDING ─register→ REGISTERED
                   PENDING ─reject_registration→ REGISTRATION_REJECTED ─requeue_registration→ PENDING
    statistics:    NEW ─record_statistics→ RECORDED (later snapshots of the month are notes on it)
"""

from enum import StrEnum

from adapter.partners.machine import Machine


class RosterEntity(StrEnum):
    """What a roster record is: `facts["entity"]`."""

    ORGANISATION = "organisation"
    MEDIATOR = "mediator"
    REGISTRATION = "registration"
    STATISTICS = "statistics"


class RosterStatus(StrEnum):
    NEW = "NEW"
    # entries
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    CERTIFIED = "CERTIFIED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    RETIRED = "RETIRED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    # registrations
    PENDING = "PENDING"
    REGISTERED = "REGISTERED"
    REGISTRATION_REJECTED = "REGISTRATION_REJECTED"
    # statistics
    RECORDED = "RECORDED"


class RosterEvent(StrEnum):
    DRAFT = "draft"
    SUBMIT = "submit"
    CERTIFY = "certify"
    REJECT = "reject"
    ACTIVATE = "activate"
    UPDATE = "update"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXPIRE = "expire"
    RENEW = "renew"
    RETIRE = "retire"
    REMOVE = "remove"
    QUEUE_REGISTRATION = "queue_registration"
    REGISTER = "register"
    REJECT_REGISTRATION = "reject_registration"
    REQUEUE_REGISTRATION = "requeue_registration"
    RECORD_STATISTICS = "record_statistics"


class RosterNote(StrEnum):
    """History entries that move no state."""

    EDITED = "edited"  # a draft changed before submission (nothing sent)
    DUPLICATE = "duplicate"  # the same answer again under another message id: kept, changes nothing
    LATE_ANSWER = "late_answer"  # an answer the record has moved past (out of order): kept, changes nothing
    RECERTIFIED = "recertified"  # the platform confirmed a change to a certified entry (the sync is met)
    STATS_SNAPSHOT = "stats_snapshot"  # another snapshot of a month already recorded
    RESENT = "resent"  # a lost upsert or registration sent again (reconciliation)


S, E = RosterStatus, RosterEvent

ENTRY_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.CERTIFIED, S.ACTIVE, S.SUSPENDED, S.RETIRED, S.EXPIRED, S.REJECTED})
REGISTRATION_STATUSES = frozenset({S.PENDING, S.REGISTERED, S.REGISTRATION_REJECTED})
STATISTICS_STATUSES = frozenset({S.RECORDED})
# Which statuses each entity may be in (organisations and mediators share the entry lifecycle).
STATUSES_OF: dict[RosterEntity, frozenset[RosterStatus]] = {
    RosterEntity.ORGANISATION: ENTRY_STATUSES,
    RosterEntity.MEDIATOR: ENTRY_STATUSES,
    RosterEntity.REGISTRATION: REGISTRATION_STATUSES,
    RosterEntity.STATISTICS: STATISTICS_STATUSES,
}
# The event that opens each entity from NEW.
OPENING_EVENT: dict[RosterEntity, RosterEvent] = {
    RosterEntity.ORGANISATION: E.DRAFT,
    RosterEntity.MEDIATOR: E.DRAFT,
    RosterEntity.REGISTRATION: E.QUEUE_REGISTRATION,
    RosterEntity.STATISTICS: E.RECORD_STATISTICS,
}

# On the platform's roster, certified by a court: what a change, suspension, expiry or removal applies to.
_CERTIFIED = (S.CERTIFIED, S.ACTIVE, S.SUSPENDED)

FINAL: frozenset[RosterStatus] = frozenset({S.RETIRED, S.REGISTERED, S.RECORDED})

TRANSITIONS: dict[tuple[RosterStatus, RosterEvent], RosterStatus] = {
    (S.NEW, E.DRAFT): S.DRAFT,
    (S.NEW, E.QUEUE_REGISTRATION): S.PENDING,
    (S.NEW, E.RECORD_STATISTICS): S.RECORDED,
    # Certification by a court on the platform, answered later (callback or poll) [P44 Art 27][P45].
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.CERTIFY): S.CERTIFIED,
    (S.SUBMITTED, E.REJECT): S.REJECTED,
    (S.REJECTED, E.SUBMIT): S.SUBMITTED,
    # Onboarded once the term has begun (a term may be certified ahead of its start).
    (S.CERTIFIED, E.ACTIVATE): S.ACTIVE,
    **{(state, E.UPDATE): state for state in _CERTIFIED},
    (S.ACTIVE, E.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.RESUME): S.ACTIVE,
    **{(state, E.EXPIRE): S.EXPIRED for state in _CERTIFIED},
    # Term renewal is certified again [P45].
    (S.EXPIRED, E.RENEW): S.SUBMITTED,
    **{(state, E.RETIRE): S.RETIRED for state in ENTRY_STATUSES if state not in FINAL},
    # Removal by a court for misconduct [P43 Art 28]: only of what a court had certified.
    **{(state, E.REMOVE): S.RETIRED for state in (*_CERTIFIED, S.EXPIRED)},
    # Registration of a closed self-received case: only a pending one is answered.
    (S.PENDING, E.REGISTER): S.REGISTERED,
    (S.PENDING, E.REJECT_REGISTRATION): S.REGISTRATION_REJECTED,
    (S.REGISTRATION_REJECTED, E.REQUEUE_REGISTRATION): S.PENDING,
}

# Machine takes StrEnum keys; Mapping's key type is invariant, so the table is re-typed (same pairs) for it.
_TABLE: dict[tuple[StrEnum, StrEnum], StrEnum] = {pair: target for pair, target in TRANSITIONS.items()}
MACHINE = Machine(kind="roster", initial=S.NEW, transitions=_TABLE, final=frozenset[StrEnum](FINAL))
