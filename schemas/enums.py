"""The closed vocabularies of the domain (domain.md §2, §4): flows, roles, outcomes, rulings, statuses."""

from enum import IntEnum, StrEnum


class Flow(StrEnum):
    """How a case reached the centre (domain.md §2, flows A–D)."""

    DELEGATED = "delegated"  # A. 委派调解, pre-filing
    ENTRUSTED = "entrusted"  # B. 委托调解, post-filing
    SELF_RECEIVED = "self_received"  # C. 自收, a party applied to the centre directly
    PARTY_APPLIED = "party_applied"  # D. a party applied on the court platform, the court designated us


class Procedure(StrEnum):
    ORDINARY = "ordinary"  # 普通程序
    SIMPLE = "simple"  # 简易程序


class PartyRole(StrEnum):
    APPLICANT = "applicant"  # 申请人
    RESPONDENT = "respondent"  # 被申请人
    PLAINTIFF = "plaintiff"  # 原告
    DEFENDANT = "defendant"  # 被告
    THIRD_PARTY = "third_party"  # 第三人
    AGENT = "agent"  # 委托代理人
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人


class SignerRole(StrEnum):
    """Who signed an agreement: a party (by role), the mediator, or the organisation's e-seal."""

    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    PLAINTIFF = "plaintiff"
    DEFENDANT = "defendant"
    THIRD_PARTY = "third_party"
    AGENT = "agent"
    LEGAL_REPRESENTATIVE = "legal_representative"
    MEDIATOR = "mediator"
    ORGANISATION = "organisation"

    @property
    def is_party(self) -> bool:
        return self not in (SignerRole.MEDIATOR, SignerRole.ORGANISATION)


class PartyKind(StrEnum):
    NATURAL_PERSON = "natural_person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人
    UNINCORPORATED = "unincorporated"  # 非法人组织


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # GB 11643 居民身份证 / residence permits / 2023 permanent-residence card
    USCC = "uscc"  # GB 32100 统一社会信用代码
    PASSPORT = "passport"
    OTHER = "other"


class PhoneKind(StrEnum):
    """What a party's phone number is (schemas/contacts.py); an unrecognised one is kept and flagged, never refused."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"  # 95xxx / 96xxx / 1xxxx short numbers, 400 / 800
    INTERNATIONAL = "international"  # Hong Kong, Macau, Taiwan and abroad
    UNRECOGNISED = "unrecognised"


class ProgressKind(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MEDIATOR_ASSIGNED = "mediator_assigned"
    SESSION = "session"
    EXTENDED = "extended"
    SUSPENDED = "suspended"
    RESUMED = "resumed"


class DeclineReason(StrEnum):
    """Why an organisation may decline a dispatch (domain.md §2 step 1, [S2 Art 12])."""

    OUTSIDE_CHARTER = "outside_charter"
    OUTSIDE_EXPERTISE = "outside_expertise"
    UNSUITABLE = "unsuitable"


class OutcomeCode(IntEnum):
    """The eight ways a mediation ends (domain.md §2 step 7, [S2 Art 25])."""

    AGREEMENT_REACHED = 1
    SETTLED_AND_WITHDREW = 2
    PARTY_UNREACHABLE = 3
    PARTY_REFUSES_TO_CONTINUE = 4
    POSITIONS_TOO_FAR_APART = 5
    PERIOD_EXPIRED = 6
    PARTY_REFUSES_TO_SIGN = 7
    OTHER = 8


class JcResult(StrEnum):
    """Judicial-confirmation results (domain.md §2 step 10)."""

    NOT_ACCEPTED = "not_accepted"  # 不予受理
    CONFIRMED = "confirmed"  # 裁定有效
    REJECTED = "rejected"  # 驳回
    WITHDRAWN = "withdrawn"  # 撤回 (missing material counts as withdrawal)


class CourtDecisionKind(StrEnum):
    """What a court sends back after an agreement: a JC ruling, or for post-filing cases a 调解书 or withdrawal."""

    JC_RULING = "jc_ruling"
    MEDIATION_DOC_ISSUED = "mediation_doc_issued"  # 调解书 (domain.md §2 step 9)
    WITHDRAWAL_ALLOWED = "withdrawal_allowed"  # 准予撤诉


class MessageType(StrEnum):
    # court → centre
    DISPATCH = "dispatch"
    COURT_DECISION = "court_decision"
    # centre → court
    PROGRESS = "progress"
    OUTCOME = "outcome"
    AGREEMENT = "agreement"
    JC_APPLICATION = "jc_application"
    CLOSURE = "closure"


class CourtStatus(StrEnum):
    """The coarse status a court platform keeps for a case; what reconciliation compares."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACCEPTANCE_OVERDUE = "acceptance_overdue"
    MEDIATING = "mediating"
    SUSPENDED = "suspended"
    SETTLED = "settled"
    RETURNED = "returned"
    JC_PENDING = "jc_pending"
    JC_CONFIRMED = "jc_confirmed"
    JC_REJECTED = "jc_rejected"
    JC_NOT_ACCEPTED = "jc_not_accepted"
    JC_WITHDRAWN = "jc_withdrawn"
    MEDIATION_DOC_ISSUED = "mediation_doc_issued"
    CLOSED = "closed"
