"""The claim figures of a traffic case — who pays what, by head — recalculated whenever the certificate changes (a
liability review replacing it mid-mediation forces it, partners.md §2 Guards). Pure, Decimal yuan.

How the loss is shared — an *inference* from 道路交通安全法 Art 76 and court practice, stated by no platform source:
1. the loss is the sum of the claims by head (each head checked against the claim-head table version in use);
2. every 交强险 (compulsory) policy of another vehicle pays first, whoever is at fault, within its sub-limit for
   each category of loss — death and disability, medical, property (the heads' `category` in the claim-head table)
   —, the no-fault sub-limits when its insured bears no liability (机动车交通事故责任强制保险条例 Art 23; the 2020
   amounts 180,000 / 18,000 / 2,000 and 18,000 / 1,800 / 100 yuan are TrafficRules settings) and never beyond the
   policy's `limit` in all; several policies share a category in proportion to their sub-limits. A claimant's own
   交强险 pays nothing towards the claimant's loss (it covers victims other than the insured and those in the
   insured vehicle, 条例 Arts 3, 21);
3. the rest is shared by liability: each party bears its level's share (TrafficRules.liability_shares, e.g.
   main 70 %, secondary 30 %), normalised over the parties the certificate names; a claimant's own share is borne
   by the claimant (not paid); a certificate without levels (cause unknown) shares equally among the liable; when
   no one bears any share (every level none, or no liable party), the rest is the claimant's own loss (borne);
4. a liable party's part is paid by its 商业三者险 policies up to their limits, in the order listed, the rest by the
   party itself.
Each share is rounded ROUND_HALF_UP to the fen and the last of a split takes the rounding remainder, so the parts
always add up to the whole. Items by head and payer: each 交强险 policy's money is booked against the heads of its
category (table order); what is left of each head is filled by the other payers in paying order (commercial,
parties) — which of those a head's money is booked against is bookkeeping, the totals are not.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from adapter.partners.traffic.rules import TrafficRules
from reference import traffic_codes
from reference.traffic_codes import CATEGORIES as CATS
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
    categories: tuple[tuple[str, Decimal], ...] = ()  # a 交强险 policy's amount by loss category (booked there)


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
    """`amount` shared in proportion to `weights`, each part ROUND_HALF_UP to the fen, the last weighted one taking
    the rounding remainder (so the parts add up to `amount`; a zero weight — a party with no liability — always gets
    0.00, never a negative fen). All zero weights: nothing to anyone. ValueError on a negative."""
    if any(w < 0 for w in weights):
        raise ValueError("a weight is negative")
    whole = sum(weights, Decimal(0))
    if not weights or whole == 0:
        return [ZERO for _ in weights]
    last = max(i for i, w in enumerate(weights) if w > 0)
    parts = [(amount * w / whole).quantize(FEN, rounding=ROUND_HALF_UP) for w in weights]
    parts[last] = amount - sum(parts[:last], ZERO)
    return parts


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
    roles = {party.party_ref: party.role for party in parties}
    compulsory = [
        p for p in policies if p.cover is Cover.COMPULSORY and roles.get(p.insured_ref or "") is not PartyRole.CLAIMANT
    ]
    losses = {c: sum((cl.amount for h, cl in zip(heads, claims, strict=True) if h.category == c), ZERO) for c in CATS}
    payers = _compulsory(compulsory, losses, certificate, rules)
    paid_first = sum((p.amount for p in payers), ZERO)
    bearers = _bearers(certificate, parties, rules)
    rest = total - paid_first
    parts = split(rest, [weight for _, weight in bearers])
    # No one at fault (all weights zero): nobody owes the rest, so it stays the claimant's own loss.
    borne = rest - sum(parts, ZERO)
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
        items=_items([(h.code, h.category, c.amount) for h, c in ordered], payers, insurers),
    )


def _compulsory(
    policies: Sequence[Policy], losses: dict[str, Decimal], certificate: Certificate, rules: TrafficRules
) -> list[Payer]:
    """What each 交强险 policy pays, by category (module docstring, step 2)."""
    levels = {item.party_ref: item.level for item in certificate.liability}

    def sub_limit(policy: Policy, category: str) -> Decimal:
        no_fault = levels.get(policy.insured_ref or "") is LiabilityLevel.NONE
        table = rules.compulsory_no_fault_limits if no_fault else rules.compulsory_limits
        return min(table[category], policy.limit)

    shares: list[dict[str, Decimal]] = [{} for _ in policies]
    for category in CATS:
        caps = [sub_limit(policy, category) for policy in policies]
        paid = min(losses[category], sum(caps, ZERO))
        for found, part in zip(shares, split(paid, caps), strict=True):
            found[category] = part
    payers = []
    for policy, found in zip(policies, shares, strict=True):
        over = sum(found.values(), ZERO) - policy.limit
        for category in reversed(CATS):  # never beyond the policy's limit in all: the excess goes to the rest
            cut = min(max(over, ZERO), found[category])
            found[category] -= cut
            over -= cut
        amount = sum(found.values(), ZERO)
        payers.append(Payer(policy.insured_ref or policy.insurer_uscc, amount, policy, tuple(found.items())))
    return payers


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
    heads: list[tuple[str, str, Decimal]], payers: Sequence[Payer], insurers: dict[str, str]
) -> tuple[OutcomeItem, ...]:
    """Heads (code, category, amount; table order) filled first by each 交强险 payer's money of the head's category,
    then by the other payers in paying order: each item the overlap of one head and one payer, sorted by head and
    paying order. A policy's items name the insurer's party_ref (`insurers`: USCC → party_ref; the USCC if the offer
    lists none)."""
    left = [amount for _, _, amount in heads]
    booked: list[tuple[int, int, Decimal]] = []  # (head index, payer index, amount)
    for at, payer in enumerate(payers):
        for category, money in payer.categories:
            for index, (_, head_category, _) in enumerate(heads):
                take = min(money, left[index]) if head_category == category else ZERO
                if take > 0:
                    booked.append((index, at, take))
                    left[index] -= take
                    money -= take
    rest = [(at, payer.amount) for at, payer in enumerate(payers) if not payer.categories]
    for index in range(len(heads)):
        while left[index] > 0 and rest:
            at, money = rest[0]
            take = min(money, left[index])
            booked.append((index, at, take))
            left[index] -= take
            rest[0] = (at, money - take)
            if rest[0][1] == 0:
                rest.pop(0)
    items = []
    for index, at, amount in sorted(booked, key=lambda entry: entry[:2]):
        payer = payers[at]
        if payer.policy is None:
            ref, number = payer.payer_ref, None
        else:
            ref, number = insurers.get(payer.policy.insurer_uscc, payer.policy.insurer_uscc), payer.policy.policy_no
        items.append(OutcomeItem(head=heads[index][0], amount=amount, payer_ref=ref, policy_no=number))
    return tuple(items)
