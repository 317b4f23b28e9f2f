"""The SPC mediation platform's rosters and self-received registrations (总对总, partners.md §4): the organisations
and mediators the centre keeps on the courts' rosters of invited mediation, the registration of cases the centre
received itself (flow C) once closed, and the messages about them each way (bodies of schemas/partner.py's
PartnerEnvelope, by message type: MESSAGE_BODIES).

Rules: a roster entry shows profile, dispute scope, specialty, fee or free and the inviting courts [P44 Art 5];
courts certify, onboard and evaluate (Art 27) and remove for misconduct [P43 Art 28]; locally certification on the
platform with term renewal [P45] and at least 3 qualifying mediators per organisation [P46]. The registration form
(`mediationFormStr` of the platform's web form, partners.md §4 [P52]) gives OfflineRegistration's fields.
USCCs and IDs are checked here (schemas/identifiers.py, domain.md §4); court codes (reference/courts.csv) and
causes (reference/causes.toml) by the actions that build a body (schemas import nothing of ours beyond schemas).
ID numbers are sealed at rest by the core and kept out of reprs (`repr=False`); never log a body.
"""

import re
from datetime import date
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from schemas.case import Attachment, Identified, Record
from schemas.enums import IdType, PartyKind
from schemas.identifiers import social_credit_code
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp


class OrgKind(StrEnum):
    """The organisation's kind as the platform lists it [P44 Art 5]."""

    INDUSTRY = "行业调解"  # industry mediation (the banking/insurance centre itself)
    PEOPLES = "人民调解"  # people's mediation committee
    COMMERCIAL = "商事调解"  # commercial mediation


class RosterEntryStatus(StrEnum):
    """An entry's status as the centre declares it in an upsert (what the roster should show)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class RosterPartnerStatus(StrEnum):
    """The platform's coarse vocabulary for one record (connectors/partner_port.py PartnerStatus.status), compared
    by reconciliation with what our record says it should be (adapter/partners/roster/spec.py)."""

    PENDING = "pending"  # an entry awaiting certification, a registration awaiting the platform's answer
    CERTIFIED = "certified"
    REJECTED = "rejected"  # an entry refused certification, or a registration refused
    SUSPENDED = "suspended"
    RETIRED = "retired"  # retired by us or removed by a court
    EXPIRED = "expired"
    REGISTERED = "registered"
    UNKNOWN = "unknown"  # the platform holds nothing under this id (a lost upsert or registration)


class MediationResult(StrEnum):
    """The form's `successState`."""

    SUCCESS = "success"
    FAILURE = "failure"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_AREA_CODE = re.compile(r"[0-9]{6}")  # GB/T 2260 division, e.g. 440104


class Fee(Record):
    """Free, or the fee as an amount (yuan) and/or a text (e.g. "按标的额 0.5%") [P44 Art 5]."""

    free: bool
    amount: RMB | None = None
    text: Line | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _free_or_priced(self) -> "Fee":
        if self.free and self.amount is not None:
            raise ValueError("a free organisation has no fee amount")
        if not self.free and self.amount is None and not self.text:
            raise ValueError("a fee needs an amount (yuan) or a text, or free: true")
        return self


class Organisation(Record):
    """An invited mediation organisation [P44 Art 5]: by its USCC (GB 32100, checked); `courts` the inviting
    courts' case-number codes (reference/courts.csv, checked by the action that builds it)."""

    uscc: Line = Field(min_length=18, max_length=18)
    name: Line = Field(min_length=1, max_length=200)
    kind: OrgKind
    scope: Text = Field(min_length=1, max_length=1000)  # dispute scope, e.g. "银行业、保险业合同纠纷"
    specialties: tuple[Line, ...] = ()
    fee: Fee
    courts: tuple[Line, ...] = Field(min_length=1)
    status: RosterEntryStatus = RosterEntryStatus.ACTIVE

    @field_validator("uscc")
    @classmethod
    def _uscc_checks_out(cls, value: str) -> str:
        return social_credit_code(value)


class Mediator(Identified):
    """A nominated mediator: `ref` the centre's own reference (what lists show — never the ID number), the ID
    (checked per its type, sealed at rest by the core), the organisation by USCC, the term (calendar dates, both
    inclusive) and whether they qualify (training, certification [P45][P46])."""

    ref: Line = Field(min_length=1, max_length=40)
    name: Line = Field(min_length=1, max_length=100)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64, repr=False)
    organisation: Line = Field(min_length=18, max_length=18)  # the organisation's USCC
    specialties: tuple[Line, ...] = ()
    term_from: CalendarDate
    term_to: CalendarDate
    status: RosterEntryStatus = RosterEntryStatus.ACTIVE
    qualifying: bool = True

    @field_validator("organisation")
    @classmethod
    def _organisation_uscc(cls, value: str) -> str:
        return social_credit_code(value)

    @model_validator(mode="after")
    def _term_in_order(self) -> "Mediator":
        if self.term_to < self.term_from:
            raise ValueError(f"term_to {self.term_to} is before term_from {self.term_from}")
        return self

    def in_term(self, day: date) -> bool:
        return self.term_from <= day <= self.term_to


class OfflineAgent(Identified):
    """A party's agent on the registration form."""

    name: Line = Field(min_length=1, max_length=100)
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64, repr=False)
    phone: str | None = Field(default=None, repr=False)


class OfflineParty(Identified):
    """An applicant or respondent on the form (`applicantPartyList[]`/`respondentPartyList[]`): name, phone,
    `credentialsType` (id_type), ID, sex, birthday, `areaCode` (GB/T 2260, six digits), address, agents."""

    name: Line = Field(min_length=1, max_length=200)
    kind: PartyKind = PartyKind.NATURAL_PERSON
    id_type: IdType
    id_number: Line = Field(min_length=1, max_length=64, repr=False)
    phone: str | None = Field(default=None, repr=False)
    sex: Sex | None = None
    birthday: CalendarDate | None = None
    area_code: Line | None = Field(default=None, max_length=6)
    address: str | None = Field(default=None, repr=False)
    agents: tuple[OfflineAgent, ...] = ()

    @field_validator("area_code")
    @classmethod
    def _area_code(cls, value: str | None) -> str | None:
        if value is not None and not _AREA_CODE.fullmatch(value):
            raise ValueError(f"area_code must be a six-digit GB/T 2260 division code, not {value!r}")
        return value


class OfflineRegistration(Record):
    """A closed self-received (flow C) case registered with the platform (`mediationFormStr`, partners.md §4):
    `case_id` ours; `cause_code` the 案由 by its catalogue name (reference/causes.toml, checked by the action);
    `money` the amount settled, `claim_money` the amount claimed (yuan); `mediator_id` the platform's id of the
    mediator (their certified entry's partner_ref); start/end the mediation's times; `agreement` the agreement's
    text, required when it succeeded."""

    case_id: Line = Field(min_length=1, max_length=40)
    cause_code: Line = Field(min_length=1, max_length=100)
    money: RMB
    claim_money: RMB
    success_state: MediationResult
    start_time: Timestamp
    end_time: Timestamp
    agreement: Text | None = Field(default=None, max_length=20000)
    mediator_id: Line = Field(min_length=1, max_length=64)
    evidence: tuple[Attachment, ...] = ()
    applicants: tuple[OfflineParty, ...] = Field(min_length=1)
    respondents: tuple[OfflineParty, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "OfflineRegistration":
        if self.end_time < self.start_time:
            raise ValueError(f"end_time {self.end_time.isoformat()} is before start_time {self.start_time.isoformat()}")
        if self.success_state is MediationResult.SUCCESS and not (self.agreement or "").strip():
            raise ValueError("a successful mediation is registered with its agreement")
        return self


# ---- messages, each way -------------------------------------------------------------------------------------------


class RosterMessageType(StrEnum):
    ORG_UPSERT = "roster.org_upsert"  # centre → SPC: an organisation, new or changed (body: Organisation)
    MEDIATOR_UPSERT = "roster.mediator_upsert"  # centre → SPC: a mediator, new or changed (body: Mediator)
    MEDIATOR_RETIRE = "roster.mediator_retire"  # centre → SPC: a mediator leaves the roster
    OFFLINE_REGISTER = "case.offline_register"  # centre → SPC: a closed self-received case (OfflineRegistration)
    CERTIFIED = "roster.certified"  # SPC → centre: a court certified the entry (async)
    REJECTED = "roster.rejected"  # SPC → centre: certification refused (async)
    REMOVED = "roster.removed"  # SPC → centre: a court removed the entry (misconduct, [P43 Art 28])
    OFFLINE_REGISTERED = "case.offline_registered"  # SPC → centre: the registration's platform case id
    OFFLINE_REJECTED = "case.offline_rejected"  # SPC → centre: the registration refused (`-1`, a field refused)
    STATS_SNAPSHOT = "stats.snapshot"  # SPC → centre: the platform's counts for a month


class MediatorRetireBody(Record):
    ref: Line = Field(min_length=1, max_length=40)
    reason: Text = Field(min_length=1, max_length=1000)
    retired_at: Timestamp


class CertifiedBody(Record):
    """`platform_id` the platform's id of the entry (becomes the record's partner_ref); `term_to` the term the court
    certified, when it says."""

    platform_id: Line = Field(min_length=1, max_length=64)
    certified_at: Timestamp
    term_to: CalendarDate | None = None


class RejectedBody(Record):
    reason: Text = Field(min_length=1, max_length=1000)
    rejected_at: Timestamp


class RemovedBody(Record):
    reason: Text = Field(min_length=1, max_length=1000)
    removed_at: Timestamp


class OfflineRegisteredBody(Record):
    platform_case_id: Line = Field(min_length=1, max_length=64)
    registered_at: Timestamp


class OfflineRejectedBody(Record):
    reason: Text = Field(min_length=1, max_length=1000)
    rejected_at: Timestamp


class StatsSnapshotBody(Record):
    """The platform's own counts for a month "YYYY-MM" (e.g. {"organisations": 3, "mediators": 41,
    "registered": 17}), reconciled with ours."""

    month: Line = Field(min_length=7, max_length=7)
    counts: dict[str, int]
    taken_at: Timestamp

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.fullmatch(value):
            raise ValueError(f"month must be YYYY-MM, not {value!r}")
        return value

    @field_validator("counts")
    @classmethod
    def _counts(cls, value: dict[str, int]) -> dict[str, int]:
        negative = sorted(k for k, n in value.items() if n < 0)
        if negative:
            raise ValueError(f"counts cannot be negative: {', '.join(negative)}")
        return value


MESSAGE_BODIES: dict[RosterMessageType, type[Record]] = {
    RosterMessageType.ORG_UPSERT: Organisation,
    RosterMessageType.MEDIATOR_UPSERT: Mediator,
    RosterMessageType.MEDIATOR_RETIRE: MediatorRetireBody,
    RosterMessageType.OFFLINE_REGISTER: OfflineRegistration,
    RosterMessageType.CERTIFIED: CertifiedBody,
    RosterMessageType.REJECTED: RejectedBody,
    RosterMessageType.REMOVED: RemovedBody,
    RosterMessageType.OFFLINE_REGISTERED: OfflineRegisteredBody,
    RosterMessageType.OFFLINE_REJECTED: OfflineRejectedBody,
    RosterMessageType.STATS_SNAPSHOT: StatsSnapshotBody,
}
