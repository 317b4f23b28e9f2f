"""What the SPC platform's messages do to roster records (the spec's `on_message`), pure. The core has already
deduplicated by message id; what arrives here twice under different ids, or after the record has moved on, is
handled deliberately — recorded as a note that moves nothing, never refused (refusing would quarantine a harmless
resend):

    roster.certified         entry: SUBMITTED → certify (partner_ref ← platform_id); CERTIFIED/ACTIVE/SUSPENDED →
                             note recertified (a change sent since is confirmed, or another term) or duplicate;
                             elsewhere late_answer. A mediator's `term_to` as certified replaces the one requested
    roster.rejected          entry: SUBMITTED → reject (reason kept); REJECTED → duplicate; elsewhere late_answer
    roster.removed           entry: CERTIFIED…EXPIRED → remove (RETIRED, facts.removed: not assignable);
                             RETIRED → duplicate; elsewhere late_answer
    case.offline_registered  registration: PENDING → register (partner_ref ← platform_case_id); REGISTERED → duplicate
                             if the same id, else refused (rule platform_case_id_conflict); elsewhere late_answer
    case.offline_rejected    registration: PENDING → reject_registration; REGISTRATION_REJECTED → duplicate; else late
    stats.snapshot           no record: opens the month's statistics record (partner_ref "stats:YYYY-MM", RECORDED);
                             then a note; its counts replaced only by a newer snapshot (taken_at) — an older one late

The statistics record is the platform's side of the monthly reconciliation: the core's reconciliation compares its
`counts` with ours (spec.py `differences`). A message for an unknown record (other than a snapshot), for the wrong
entity, or with a bad body raises InvalidRequest naming the field and rule (the core quarantines it with its bytes).
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from adapter.errors import InvalidRequest
from adapter.field_errors import read_model
from adapter.partners.roster.facts import ENTRIES, at, iso, mediator_of, require
from adapter.partners.roster.states import RosterEntity, RosterEvent, RosterNote
from adapter.partners.roster.states import RosterStatus as S
from adapter.partners.spec import Change, PartnerRecord
from schemas.partner import PartnerEnvelope
from schemas.roster import (
    MESSAGE_BODIES,
    CertifiedBody,
    Mediator,
    OfflineRegisteredBody,
    OfflineRejectedBody,
    RejectedBody,
    RemovedBody,
    RosterMessageType,
    StatsSnapshotBody,
)

E, N, M = RosterEvent, RosterNote, RosterMessageType
_CERTIFIED = frozenset({S.CERTIFIED, S.ACTIVE, S.SUSPENDED})
INBOUND = frozenset({M.CERTIFIED, M.REJECTED, M.REMOVED, M.OFFLINE_REGISTERED, M.OFFLINE_REJECTED, M.STATS_SNAPSHOT})


def stats_ref(month: str) -> str:
    """The partner_ref of a month's statistics record."""
    return f"stats:{month}"


def _body(envelope: PartnerEnvelope) -> BaseModel:
    try:
        kind = M(envelope.type)
    except ValueError:
        kind = None
    if kind not in INBOUND:
        known = ", ".join(sorted(INBOUND))
        raise InvalidRequest(
            f"the SPC platform sends no {envelope.type!r}; known: {known}", field="type", rule="message_type"
        )
    return read_model(MESSAGE_BODIES[M(envelope.type)], envelope.body, root="body")


def on_message(record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
    body = _body(envelope)
    if isinstance(body, StatsSnapshotBody):
        return _snapshot(record, body)
    if record is None:
        raise InvalidRequest(
            f"{envelope.type} names no record of ours (partner_ref {envelope.partner_ref!r})",
            field="record_id",
            rule="unknown_record",
        )
    if isinstance(body, CertifiedBody):
        return _certified(record, body)
    if isinstance(body, RejectedBody):
        require(record, *ENTRIES, doing=envelope.type)
        return _answer(record, S.SUBMITTED, E.REJECT, S.REJECTED, body.reason, body.rejected_at, "answered_at")
    if isinstance(body, RemovedBody):
        require(record, *ENTRIES, doing=envelope.type)
        if record.status in (*_CERTIFIED, S.EXPIRED):
            facts = {"removed": True, "reason": body.reason, "removed_at": iso(body.removed_at)}
            return Change(event=E.REMOVE, facts=facts, detail=f"{record.subject} removed from the roster by a court")
        return _repeat(record, S.RETIRED, "removed")
    if isinstance(body, OfflineRegisteredBody):
        return _registered(record, body)
    if not isinstance(body, OfflineRejectedBody):  # a body type added without its handler: refused, never skipped
        raise InvalidRequest(f"type: {envelope.type} has no handler; rule message_type", field="type",
                             rule="message_type")  # fmt: skip
    require(record, RosterEntity.REGISTRATION, doing=envelope.type)
    return _answer(
        record, S.PENDING, E.REJECT_REGISTRATION, S.REGISTRATION_REJECTED, body.reason, body.rejected_at, "rejected_at"
    )


def _repeat(record: PartnerRecord, same: S, what: str) -> Change:
    """An answer the record already has (duplicate) or has moved past (late_answer)."""
    if record.status == same:
        return Change(note=N.DUPLICATE, detail=f"{what} again for {record.subject}: already {record.status}")
    return Change(
        note=N.LATE_ANSWER, detail=f"{what} for {record.subject} arrived in {record.status}: kept, not applied"
    )


def _answer(
    record: PartnerRecord, waiting: S, event: RosterEvent, done: S, reason: str, at_: datetime, key: str
) -> Change:
    if record.status == waiting:
        return Change(
            event=event, facts={"reason": reason, key: iso(at_)}, detail=f"{record.subject} rejected: {reason}"
        )
    return _repeat(record, done, "rejection")


def _certified(record: PartnerRecord, body: CertifiedBody) -> Change:
    what = require(record, *ENTRIES, doing=M.CERTIFIED)
    facts: dict[str, Any] = {"answered_at": iso(body.certified_at), "certified_at": iso(body.certified_at)}
    term = _certified_term(record, body) if what is RosterEntity.MEDIATOR else None
    if term is not None:
        facts.update(term)
    said = "" if term is None else f" (term to {body.term_to} as certified, {term['requested_term_to']} requested)"
    if record.status == S.SUBMITTED:
        return Change(
            event=E.CERTIFY,
            facts=facts,
            partner_ref=body.platform_id,
            detail=f"{record.subject} certified as {body.platform_id}{said}",
        )
    if record.status in _CERTIFIED:
        if record.partner_ref not in (None, body.platform_id):
            raise InvalidRequest(
                f"certified as {body.platform_id!r} but {record.subject} is {record.partner_ref!r} on the platform",
                field="platform_id",
                rule="platform_id_conflict",
            )
        sent, before = at(record.facts, "sent_at"), at(record.facts, "certified_at")
        if sent is not None and (before is None or before < sent):  # a change sent since the last certification
            return Change(
                note=N.RECERTIFIED, facts=facts, detail=f"{record.subject}'s change confirmed by the platform"
            )
        if term is not None:  # the same certification with another term: the court's term holds
            return Change(note=N.RECERTIFIED, facts=facts, detail=f"{record.subject} recertified{said}")
        return Change(note=N.DUPLICATE, detail=f"certification again for {record.subject}")
    return _repeat(record, S.CERTIFIED, "certification")


def _certified_term(record: PartnerRecord, body: CertifiedBody) -> dict[str, Any] | None:
    """The mediator's facts with the term the court certified (`term_to` of the answer) in place of the one we
    asked for — the certified term is the one in force, so expiry, the term-end alert and the assignment checks
    (all reading facts.mediator.term_to) follow it [P45]; the requested end is kept beside it. None when the answer
    names no term or the same one. InvalidRequest(field "body.term_to", rule "term_order") for a term ending before
    it begins (quarantined by the core, the bytes kept)."""
    if body.term_to is None:
        return None
    current = mediator_of(record)
    if body.term_to == current.term_to:
        return None
    try:
        certified = Mediator.model_validate({**current.model_dump(), "term_to": body.term_to})
    except ValueError:
        raise InvalidRequest(
            f"body.term_to: the certified term ends {body.term_to}, before it begins {current.term_from}; "
            "rule term_order",
            field="body.term_to",
            rule="term_order",
        ) from None
    sent, before = at(record.facts, "sent_at"), at(record.facts, "certified_at")
    resent = before is None or (sent is not None and before < sent)  # what we hold is what we last asked for
    kept = None if resent else record.facts.get("requested_term_to")
    requested = kept or current.term_to.isoformat()
    return {"mediator": certified.model_dump(mode="json"), "requested_term_to": requested}


def _registered(record: PartnerRecord, body: OfflineRegisteredBody) -> Change:
    require(record, RosterEntity.REGISTRATION, doing=M.OFFLINE_REGISTERED)
    if record.status == S.PENDING:
        return Change(
            event=E.REGISTER,
            facts={"registered_at": iso(body.registered_at), "platform_case_id": body.platform_case_id},
            partner_ref=body.platform_case_id,
            detail=f"case {record.subject} registered as {body.platform_case_id}",
        )
    if record.status == S.REGISTERED and record.partner_ref not in (None, body.platform_case_id):
        raise InvalidRequest(
            f"case {record.subject} is registered as {record.partner_ref!r}, now {body.platform_case_id!r}",
            field="platform_case_id",
            rule="platform_case_id_conflict",
        )
    return _repeat(record, S.REGISTERED, "registration")


def _snapshot(record: PartnerRecord | None, body: StatsSnapshotBody) -> Change:
    facts = {"month": body.month, "counts": dict(body.counts), "taken_at": iso(body.taken_at)}
    if record is None:
        facts["entity"] = RosterEntity.STATISTICS.value
        return Change(
            event=E.RECORD_STATISTICS,
            facts=facts,
            partner_ref=stats_ref(body.month),
            subject=f"statistics {body.month}",
            detail=f"the platform's statistics for {body.month}: {_counts(body.counts)}",
        )
    require(record, RosterEntity.STATISTICS, doing=M.STATS_SNAPSHOT)
    if record.facts.get("month") != body.month:
        raise InvalidRequest(f"a snapshot of {body.month} for {record.subject}", field="month", rule="statistics_month")
    before = at(record.facts, "taken_at")
    if before is not None and body.taken_at <= before:  # older or the same: out of order or a resend
        return Change(note=N.STATS_SNAPSHOT, detail=f"an earlier snapshot of {body.month} arrived late: kept as is")
    return Change(note=N.STATS_SNAPSHOT, facts=facts, detail=f"statistics {body.month} now {_counts(body.counts)}")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
