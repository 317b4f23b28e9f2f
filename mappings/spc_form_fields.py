"""The SPC web form's field set ("spc_form" profile, mappings/spc_form.py): where each outbound message type is
posted and the form field holding its JSON, the canonical → wire field names per type (the registration form's
from public automation code [P52]; the roster forms *inference*, our agreed profile), and the listing's events.
Data only: the translation is mappings/spc_form.py."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Form:
    """Where one outbound message type is posted, and the form field holding its JSON."""

    path: str
    field: str


# Outbound canonical message type → its form (partners.md §4 "Suggested model": Centre → SPC).
FORMS: dict[str, Form] = {
    "roster.org_upsert": Form("/fayuan/a/org/saveOrg", "orgFormStr"),
    "roster.mediator_upsert": Form("/fayuan/a/mediator/saveMediator", "mediatorFormStr"),
    "roster.mediator_retire": Form("/fayuan/a/mediator/retire", "retireFormStr"),
    "case.offline_register": Form("/fayuan/a/offline/addOffline", "mediationFormStr"),
}
LOGIN = "/fayuan/a/login"
LISTING = "/fayuan/a/roster/list"
QUERY = "/fayuan/a/roster/query"
STATISTICS = "/fayuan/a/statistics"

# Canonical body field → wire field, per message type. Fields not named pass under their canonical name (the form
# ignores what it does not know); nested lists and objects pass as they are.
RENAMES: dict[str, dict[str, str]] = {
    "roster.org_upsert": {
        "name": "orgName",
        "uscc": "creditCode",
        "kind": "orgType",
        "scope": "disputeScope",
        "specialties": "specialty",
        "fee": "charge",
        "courts": "courtList",
        "status": "state",
    },
    "roster.mediator_upsert": {
        "ref": "mediatorNo",
        "name": "mediatorName",
        "id_type": "credentialsType",
        "id_number": "idCard",
        "organisation": "orgCreditCode",
        "specialties": "specialty",
        "term_from": "termStart",
        "term_to": "termEnd",
        "status": "state",
        "qualifying": "qualified",
    },
    "roster.mediator_retire": {"ref": "mediatorNo", "reason": "reason", "retired_at": "retireTimeStr"},
    "case.offline_register": {
        "case_id": "caseNo",
        "cause_code": "causeCode",
        "money": "money",
        "claim_money": "claimMoney",
        "success_state": "successState",
        "start_time": "startTimeStr",
        "end_time": "endTimeStr",
        "agreement": "agreement",
        "mediator_id": "mediatorId",
        "evidence": "evidenceList",
        "applicants": "applicantPartyList",
        "respondents": "respondentPartyList",
    },
}
# The parties and agents inside a registration form ([P52]: name, phone, credentialsType, ID, sex, birthday,
# areaCode, address, agents).
PARTY_RENAMES = {
    "id_type": "credentialsType",
    "id_number": "idCard",
    "area_code": "areaCode",
    "agents": "agentList",
}
PARTY_LISTS = frozenset({"applicantPartyList", "respondentPartyList", "agentList"})
# Wire fields holding a time: written "yyyy-MM-dd HH:mm:ss" China time.
TIME_FIELDS = frozenset({"startTimeStr", "endTimeStr", "retireTimeStr"})

# Listing / callback event → canonical inbound type (partners.md §4: SPC → centre), and the body's time field.
EVENTS: dict[str, tuple[str, str]] = {
    "certified": ("roster.certified", "certified_at"),
    "rejected": ("roster.rejected", "rejected_at"),
    "removed": ("roster.removed", "removed_at"),
    "registered": ("case.offline_registered", "registered_at"),
    "refused": ("case.offline_rejected", "rejected_at"),
}
