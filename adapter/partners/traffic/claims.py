"""The claim figures of a traffic case — who pays what, by head — recalculated whenever the certificate changes (a
liability review replacing it mid-mediation forces it, partners.md §2 Guards). Pure, Decimal yuan.

How the loss is shared — an *inference* from 道路交通安全法 Art 76 and court practice, stated by no platform source:
1. the loss is the sum of the claims by head (each head checked against the claim-head table version in use);
2. every 交强险 (compulsory) policy pays first, whoever is at fault, together up to the sum of their limits, shared
   among them in proportion to their limits;
3. the rest is shared by liability: each party bears its level's share (TrafficRules.liability_shares, e.g.
   main 70 %, secondary 30 %), normalised over the parties the certificate names; a claimant's own share is borne
   by the claimant (not paid); a certificate without levels (cause unknown) shares equally among the liable;
4. a liable party's part is paid by its 商业三者险 policies up to their limits, in the order listed, the rest by the
   party itself.
Each share is rounded ROUND_HALF_UP to the fen and the last of a split takes the rounding remainder, so the parts
always add up to the whole. Items by head and payer fill the heads in table order with the payers in paying order
(compulsory, commercial, parties): which head a payer's money is booked against is bookkeeping, the totals are not.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from adapter.partners.traffic.rules import TrafficRules
from reference import traffic_codes
from schemas.traffic import (
    Certificate,
    ClaimItem,
    Cover,
    InsurerShare,
    LiabilityLevel,
    OutcomeItem,
    Party,
    PartyRole,
    Policy,
)

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payer:
    """One payer's part: a policy (`policy` set; `payer_ref` the insured party) or the party itself."""

    payer_ref: str
    amount: Decimal
    policy: Policy | None = None


@dataclass(frozen=True)
class Figures:
    """The whole recalculation: `total` claimed, `borne` by claimants at fault themselves, the payers in paying
    order, the insurers' shares and the items by head and payer (summing to total − borne)."""

    cert_no: str
    total: Decimal
    borne: Decimal
    payers: tuple[Payer, ...]
    shares: tuple[InsurerShare, ...]
    items: tuple[OutcomeItem, ...]

    def as_facts(self) -> dict[str, object]:
        """JSON-ready (yuan as text) for the record's facts."""
        return {
            "cert_no": self.cert_no,
            "total": f"{self.total:.2f}",
            "borne": f"{self.borne:.2f}",
            "shares": [share.model_dump(mode="json") for share in self.shares],
            "items": [item.model_dump(mode="json") for item in self.items],
        }


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `weights`, each part ROUND_HALF_UP to the fen, the last taking the rounding
    remainder (so the parts add up to `amount`). All zero weights: nothing to anyone. ValueError on a negative."""
    if any(w < 0 for w in weights):
        raise ValueError("a weight is negative")
    whole = sum(weights, Decimal(0))
    if not weights or whole == 0:
        return [ZERO for _ in weights]
    parts = [(amount * w / whole).quantize(FEN, rounding=ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, amount - sum(parts, ZERO)]


def recalculate(
    claims: Sequence[ClaimItem],
    certificate: Certificate,
    parties: Sequence[Party],
    policies: Sequence[Policy],
    rules: TrafficRules,
) -> Figures:
    """The figures for `claims` under `certificate` (module docstring). Raises TrafficCodeError (rule
    "unknown_head", naming `claims[i].head` and the table version) for a head the table lacks."""
    heads = [
        traffic_codes.head(c.head, rules.claim_heads_version, field=f"claims[{i}].head") for i, c in enumerate(claims)
    ]
    total = sum((c.amount for c in claims), ZERO)
    compulsory = [p for p in policies if p.cover is Cover.COMPULSORY]
    paid_first = min(total, sum((p.limit for p in compulsory), ZERO))
    payers = [
        Payer(p.insured_ref or p.insurer_uscc, amount, p)
        for p, amount in zip(compulsory, split(paid_first, [p.limit for p in compulsory]), strict=True)
    ]
    bearers = _bearers(certificate, parties, rules)
    parts = split(total - paid_first, [weight for _, weight in bearers])
    roles = {party.party_ref: party.role for party in parties}
    borne = ZERO
    for (ref, _), part in zip(bearers, parts, strict=True):
        if roles.get(ref) is PartyRole.CLAIMANT:
            borne += part
            continue
        for policy in (p for p in policies if p.cover is Cover.COMMERCIAL and p.insured_ref == ref):
            covered = min(part, policy.limit)
            if covered > 0:
                payers.append(Payer(ref, covered, policy))
            part -= covered
        if part > 0:
            payers.append(Payer(ref, part))
    payers = [p for p in payers if p.amount > 0]
    ordered = sorted(zip(heads, claims, strict=True), key=lambda pair: pair[0].code)
    insurers = {p.id_number: p.party_ref for p in parties if p.role is PartyRole.INSURER}
    return Figures(
        cert_no=certificate.cert_no,
        total=total,
        borne=borne,
        payers=tuple(payers),
        shares=_shares(payers),
        items=_items([(h.code, c.amount) for h, c in ordered], payers, insurers),
    )


def _bearers(certificate: Certificate, parties: Sequence[Party], rules: TrafficRules) -> list[tuple[str, Decimal]]:
    """(party_ref, weight) of each party bearing a share of the rest, in the certificate's order."""
    if certificate.liability:
        return [(item.party_ref, rules.liability_shares[item.level]) for item in certificate.liability]
    liable = [party.party_ref for party in parties if party.role is PartyRole.LIABLE]
    return [(ref, rules.liability_shares[LiabilityLevel.EQUAL]) for ref in liable]


def shares_of(items: Sequence[OutcomeItem], policies: Sequence[Policy]) -> tuple[InsurerShare, ...]:
    """Each policy's share of agreed items (the items naming it, summed), in the policies' order: what an agreement
    the mediator wrote by hand tells each insurer."""
    totals: dict[str, Decimal] = {}
    for item in items:
        if item.policy_no is not None:
            totals[item.policy_no] = totals.get(item.policy_no, ZERO) + item.amount
    return tuple(
        InsurerShare(insurer_uscc=p.insurer_uscc, policy_no=p.policy_no, cover=p.cover, amount=totals[p.policy_no])
        for p in policies
        if p.policy_no in totals
    )


def _shares(payers: Sequence[Payer]) -> tuple[InsurerShare, ...]:
    return tuple(
        InsurerShare(
            insurer_uscc=p.policy.insurer_uscc, policy_no=p.policy.policy_no, cover=p.policy.cover, amount=p.amount
        )
        for p in payers
        if p.policy is not None
    )


def _items(
    heads: list[tuple[str, Decimal]], payers: Sequence[Payer], insurers: dict[str, str]
) -> tuple[OutcomeItem, ...]:
    """Heads (table order) filled by payers (paying order): each item the overlap of one head and one payer. A
    policy's items name the insurer's party_ref (`insurers`: USCC → party_ref; the USCC if the offer lists none)."""
    items: list[OutcomeItem] = []
    left = [p.amount for p in payers]
    at = 0
    for code, amount in heads:
        while amount > 0 and at < len(payers):
            payer, take = payers[at], min(amount, left[at])
            if payer.policy is None:
                ref, number = payer.payer_ref, None
            else:
                ref, number = insurers.get(payer.policy.insurer_uscc, payer.policy.insurer_uscc), payer.policy.policy_no
            items.append(OutcomeItem(head=code, amount=take, payer_ref=ref, policy_no=number))
            amount -= take
            left[at] -= take
            at += left[at] == 0
    return tuple(items)
