"""The guards on the centre's traffic actions (partners.md §2 Guards): each refuses with InvalidRequest naming the
field and the rule — nothing stored, nothing sent.

    rule "enforceable_basis"  an insurer claim needs an enforceable basis for the record's stage: the agreement
                              with its JC ruling (agreement_jc, once confirmed), a court's 调解书
                              (mediation_statement) or a judgment — an agreement alone is not one
    rule "basis_ref"          agreement_jc: the basis_ref is not the confirming ruling's number
    rule "case_number"        the basis_ref is not a 案号 (reference/case_number.py)
    rule "policy_of_case"     the insurer USCC and policy number are not a policy of the case
    rule "amount_positive"    the amount is not above 0 yuan
    rule "policy_limit"       the amount exceeds the policy's limit
    rule "party_ref"          a party reference names no party of the offer
    rule "unknown_head" / "unknown_failure_code" / "code_table"  a code the table version lacks (traffic_codes)
    rule "failure_code_advice" litigation advised for a failure the table advises none for (code 8, withdrawn)
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapter.errors import InvalidRequest
from adapter.partners.spec import PartnerRecord
from adapter.partners.traffic import facts
from adapter.partners.traffic.states import TrafficStatus
from reference import traffic_codes
from reference.case_number import MalformedCaseNumber, parse
from schemas.traffic import ClaimBasis, Policy

S, B = TrafficStatus, ClaimBasis

# The bases each stage allows: the machine says whether a claim may be filed at all; this says on what.
BASES_AT: dict[TrafficStatus, frozenset[ClaimBasis]] = {
    S.AGREEMENT_EFFECTIVE: frozenset({B.MEDIATION_STATEMENT}),
    S.JC_CONFIRMED: frozenset({B.AGREEMENT_JC, B.MEDIATION_STATEMENT}),
    S.LITIGATION_ADVISED: frozenset({B.JUDGMENT, B.MEDIATION_STATEMENT}),
}


def claim_basis(record: PartnerRecord, basis: ClaimBasis, basis_ref: str) -> None:
    """An enforceable basis for the record's stage (BASES_AT; later stages allow any basis the record has)."""
    allowed = BASES_AT.get(S(record.status), frozenset(ClaimBasis))
    if basis not in allowed:
        names = ", ".join(sorted(b.value for b in allowed))
        raise InvalidRequest(
            f"basis: {basis.value} is not an enforceable basis in {record.status} (here: {names}); an agreement "
            "alone is not one — it needs its JC ruling, a 调解书 or a judgment (partners.md §2); "
            "rule enforceable_basis",
            field="basis",
            rule="enforceable_basis",
        )
    try:
        parse(basis_ref)
    except MalformedCaseNumber as exc:
        raise InvalidRequest(f"basis_ref: {exc}; rule case_number", field="basis_ref", rule="case_number") from None
    if basis is B.AGREEMENT_JC:
        jc: Mapping[str, Any] = record.facts.get("jc") or {}
        if jc.get("confirmed") is not True:
            raise InvalidRequest(
                "basis: agreement_jc needs the agreement confirmed by the court; it is not; rule enforceable_basis",
                field="basis",
                rule="enforceable_basis",
            )
        if jc.get("ruling_no") != basis_ref:
            raise InvalidRequest(
                f"basis_ref: {basis_ref!r} is not the confirming ruling {jc.get('ruling_no')!r}; rule basis_ref",
                field="basis_ref",
                rule="basis_ref",
            )


def claim_policy(record: PartnerRecord, insurer_uscc: str, policy_no: str, amount: Decimal) -> Policy:
    """The case's policy the claim is against, the amount above 0 and within its limit."""
    if amount <= 0:
        raise InvalidRequest(
            f"amount: {amount} yuan; a claim is for more than 0; rule amount_positive",
            field="amount",
            rule="amount_positive",
        )
    policy = facts.policy_of_case(record, insurer_uscc, policy_no)
    if policy is None:
        raise InvalidRequest(
            f"policy_no: {policy_no!r} of insurer {insurer_uscc} is not a policy of this case; rule policy_of_case",
            field="policy_no",
            rule="policy_of_case",
        )
    if amount > policy.limit:
        raise InvalidRequest(
            f"amount: {amount} yuan exceeds policy {policy_no}'s limit {policy.limit}; rule policy_limit",
            field="amount",
            rule="policy_limit",
        )
    return policy


def party_ref(record: PartnerRecord, ref: str | None, *, field: str) -> None:
    if ref is not None and ref not in {p.party_ref for p in facts.offer(record).parties}:
        raise InvalidRequest(
            f"{field}: {ref!r} names no party of the offer; rule party_ref", field=field, rule="party_ref"
        )


def head(code: str, version: str, *, field: str) -> traffic_codes.Head:
    try:
        return traffic_codes.head(code, version, field=field)
    except traffic_codes.TrafficCodeError as exc:
        raise InvalidRequest(str(exc), field=field, rule=exc.rule) from None


def failure(code: int, version: str, *, field: str = "failure_code") -> traffic_codes.FailureCode:
    try:
        return traffic_codes.failure(code, version, field=field)
    except traffic_codes.TrafficCodeError as exc:
        raise InvalidRequest(str(exc), field=field, rule=exc.rule) from None
