"""The deadlines of domain.md §3 as data: what each counts (working or calendar days), from what, under which
rule — and which apply to a case's flow and procedure.

| kind            | counts               | from                           | flows    | rule              |
|-----------------|----------------------|--------------------------------|----------|-------------------|
| acceptance      | 3 working days       | receipt of the dispatch        | A, B, D  | [S2 Art 12]       |
| contact         | 3 working days       | acceptance                     | A, D     | [S2 Art 15]       |
| mediation       | 30 / 15 / 7 days     | acceptance                     | A, B, D  | [S2 Art 24]       |
| jc_application  | 30 days              | agreement effective            | A, C, D  | [S3 Art 205]      |
| jc_review       | 30 days              | JC application filed           | A, C, D  | [S3 Art 187]      |

Choices where domain.md is silent: flow D (a party's online pre-filing application, the court designating us
[S2 Arts 8–10]) is pre-filing like A, so it gets A's contact duty and 30 days. Flow C (self-received) has no
dispatch to accept, no court-set mediation period (unless `mediation_days_self_received` is configured) and no
one to report contact to. Flow B ends with a 调解书 or withdrawal, not judicial confirmation [S1 Art 20].
"""

from dataclasses import dataclass
from enum import StrEnum

from adapter.deadlines.config import Periods
from schemas.enums import Flow, Procedure


class DeadlineKind(StrEnum):
    ACCEPTANCE = "acceptance"
    CONTACT = "contact"
    MEDIATION = "mediation"
    JC_APPLICATION = "jc_application"
    JC_REVIEW = "jc_review"


class Counting(StrEnum):
    WORKING_DAYS = "working_days"  # the n-th working day after the start
    CALENDAR_DAYS = "calendar_days"  # start + n days, a rest day at the end rolling over [S3 Art 85]


@dataclass(frozen=True)
class Rule:
    kind: DeadlineKind
    days: int
    counting: Counting
    starts: str  # what starts the clock, in words
    citation: str

    def describe(self) -> str:
        unit = "working days" if self.counting is Counting.WORKING_DAYS else "days"
        return f"{self.days} {unit} from {self.starts} {self.citation}"


PRE_FILING = frozenset({Flow.DELEGATED, Flow.PARTY_APPLIED})
_ACCEPTS_DISPATCH = frozenset({Flow.DELEGATED, Flow.ENTRUSTED, Flow.PARTY_APPLIED})
_JUDICIAL_CONFIRMATION = frozenset({Flow.DELEGATED, Flow.SELF_RECEIVED, Flow.PARTY_APPLIED})


def mediation_days(flow: Flow, procedure: Procedure, periods: Periods) -> int | None:
    """The mediation period before any extension [S2 Art 24]; None where no period applies."""
    if flow is Flow.ENTRUSTED:
        if procedure is Procedure.SIMPLE:
            return periods.mediation_days_entrusted_simple
        return periods.mediation_days_entrusted_ordinary
    if flow is Flow.DELEGATED:
        return periods.mediation_days_delegated
    if flow is Flow.PARTY_APPLIED:
        return periods.mediation_days_party_applied
    return periods.mediation_days_self_received


def max_extension_days(flow: Flow, periods: Periods) -> int | None:
    """How many days of agreed extension a case may have in all; None: no limit [S2 Art 24][S8]."""
    return periods.max_extension_days if flow is Flow.ENTRUSTED else periods.max_extension_days_pre_filing


def rules_for(flow: Flow, procedure: Procedure, periods: Periods) -> dict[DeadlineKind, Rule]:
    """The deadlines that apply to a case of this flow and procedure, with the court's periods."""
    rules: dict[DeadlineKind, Rule] = {}
    if flow in _ACCEPTS_DISPATCH:
        rules[DeadlineKind.ACCEPTANCE] = Rule(
            DeadlineKind.ACCEPTANCE,
            periods.acceptance_working_days,
            Counting.WORKING_DAYS,
            "receipt of the dispatch",
            "[S2 Art 12]",
        )
    if flow in PRE_FILING:
        rules[DeadlineKind.CONTACT] = Rule(
            DeadlineKind.CONTACT, periods.contact_working_days, Counting.WORKING_DAYS, "acceptance", "[S2 Art 15]"
        )
    days = mediation_days(flow, procedure, periods)
    if days is not None:
        rules[DeadlineKind.MEDIATION] = Rule(
            DeadlineKind.MEDIATION, days, Counting.CALENDAR_DAYS, "acceptance", "[S1 Art 27][S2 Art 24]"
        )
    if flow in _JUDICIAL_CONFIRMATION:
        rules[DeadlineKind.JC_APPLICATION] = Rule(
            DeadlineKind.JC_APPLICATION,
            periods.jc_application_days,
            Counting.CALENDAR_DAYS,
            "the agreement taking effect (last e-signature)",
            "[S3 Art 205]",
        )
        rules[DeadlineKind.JC_REVIEW] = Rule(
            DeadlineKind.JC_REVIEW,
            periods.jc_review_days,
            Counting.CALENDAR_DAYS,
            "filing of the JC application",
            "[S3 Art 187]",
        )
    return rules
