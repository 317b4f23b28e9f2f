"""Registering a closed self-received (flow C) case with the SPC platform (partners.md §4 "Self-received
registration"), pure: `register_case` opens a registration from the closed case's data given in the input (the
centre's case service knows the case; this kind never reads it), `resubmit_registration` sends a refused one again,
corrected. The cause must be in the 案由 catalogue (reference/causes.toml); the due date is
`register_working_days` (10) working days from closing (deadlines.py).
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from adapter.errors import InvalidRequest
from adapter.partners.roster.facts import existing, iso, registration_of, require
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import RosterEntity, RosterEvent
from adapter.partners.spec import Change, Outgoing, PartnerRecord
from reference.causes import causes
from reference.errors import UnknownCode
from schemas.roster import OfflineRegistration, RosterMessageType
from schemas.times import Timestamp

E = RosterEvent


class RegisterCaseInput(BaseModel):
    """The closed case: its flow (only C — self-received — is registered), when it closed, and the form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: Literal["C"] = "C"
    closed_at: Timestamp
    registration: OfflineRegistration


class ResubmitInput(BaseModel):
    """The corrected form (same case), or None to send the stored one again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registration: OfflineRegistration | None = None


def _checked(registration: OfflineRegistration) -> OfflineRegistration:
    try:
        causes().check("spc", registration.cause_code, "cause_code")
    except UnknownCode:
        raise InvalidRequest(
            f"registration.cause_code: {registration.cause_code!r} is not in the 案由 catalogue "
            f"(reference/causes.toml, version {causes().version})",
            field="registration.cause_code",
            rule="cause",
        ) from None
    return registration


def _send(registration: OfflineRegistration) -> Outgoing:
    return Outgoing(type=RosterMessageType.OFFLINE_REGISTER, body=registration)


def register_case(record: PartnerRecord | None, data: RegisterCaseInput, now: datetime, rules: RosterRules) -> Change:
    """Open a registration (PENDING) and queue `case.offline_register`. Refused: a cause not in the catalogue
    (rule cause), a closing time in the future (rule not_in_future), a mediation that ended after the case closed
    (rule ended_after_closing)."""
    form = _checked(data.registration)
    if data.closed_at > now:
        raise InvalidRequest(
            f"closed_at {data.closed_at.isoformat()} is in the future", field="closed_at", rule="not_in_future"
        )
    if form.end_time > data.closed_at:
        raise InvalidRequest(
            f"registration.end_time {form.end_time.isoformat()} is after the case closed "
            f"({data.closed_at.isoformat()})",
            field="registration.end_time",
            rule="ended_after_closing",
        )
    return Change(
        event=E.QUEUE_REGISTRATION,
        facts={
            "entity": RosterEntity.REGISTRATION.value,
            "registration": form.model_dump(mode="json"),
            "closed_at": iso(data.closed_at),
            "sent_at": iso(now),
        },
        outgoing=(_send(form),),
        detail=f"case {form.case_id} ({form.cause_code}, {form.success_state.value}) sent for registration",
        subject=form.case_id,
        amount=f"{form.money:.2f}",
        case_id=form.case_id,
    )


def resubmit_registration(
    record: PartnerRecord | None, data: ResubmitInput, now: datetime, rules: RosterRules
) -> Change:
    """A refused registration sent again (corrected if a form is given — for the same case, rule identity)."""
    record = existing(record, "resubmit_registration")
    require(record, RosterEntity.REGISTRATION, doing="resubmit_registration")
    form = _checked(data.registration) if data.registration is not None else registration_of(record)
    if form.case_id != record.subject:
        raise InvalidRequest(
            f"registration.case_id {form.case_id!r} is not this registration's case {record.subject!r}",
            field="registration.case_id",
            rule="identity",
        )
    return Change(
        event=E.REQUEUE_REGISTRATION,
        facts={"registration": form.model_dump(mode="json"), "sent_at": iso(now), "reason": None},
        outgoing=(_send(form),),
        detail=f"case {form.case_id} sent for registration again",
        amount=f"{form.money:.2f}",
    )
