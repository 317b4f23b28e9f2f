"""The centre's clerk for the docking partners in `docking demo` (sandbox/partner_demo.py): each step looks at the
partner records and takes the next action the centre would, through the partner service (adapter/partners/
service.py run_action — what the centre API and the console call), never by writing a record itself.

Traffic (partners.md §2): offers accepted (one in six declined with a reason), a mediator assigned, one case in four
sent for an appraisal first (the mediation clock pauses until the result), the agreement recorded on the figures
recalculated under the certificate in force, judicial confirmation applied for, the insurer claim filed on the
confirmed agreement (一键理赔), the case closed once paid. Arbitration (§3): settlements handed over (every third an
award on agreed terms, the others a 调解书), the fee paid on the notice; one more whose arbitration agreement
predates the dispute, which the guard refuses locally. Roster (§4): an organisation and the centre's mediators
upserted, submitted (the organisation last, on its mediators' standings) and activated once certified.
"""

from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlmodel import select

from adapter.errors import DockingError, InvalidRequest
from adapter.partners.roster_checks import submit_entry
from adapter.partners.service import run_action
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerRecordRow
from sandbox.partner_demo_data import application, mediator, organisation
from schemas.partner import PartnerKind

ACTOR = "demo-centre"
DECLINE_EVERY, APPRAISE_EVERY, AWARD_EVERY = 6, 4, 3
PAYEE = {"account": "6222020200112233445", "bank": "中国工商银行广州天河支行"}


class Clerk:
    def __init__(self, runtime: Any, traffic: str, commission: str, spc: str) -> None:
        self.runtime, self.traffic, self.commission, self.spc = runtime, traffic, commission, spc
        self.refused_locally = 0
        self.offers_seen = 0
        self._order: dict[str, int] = {}  # traffic record → its place in arrival order (what the plan keys on)
        self._appraised: set[str] = set()

    @property
    def now(self) -> datetime:
        return self.runtime.clock()

    def act(self, partner: str, kind: PartnerKind, action: str, record_id: str | None, data: Any = None) -> Any:
        return run_action(
            self.runtime.uow,
            kind,
            action,
            record_id,
            data or {},
            partner=partner,
            actor=ACTOR,
            now=self.now,
            rules=self.runtime.partners.rules[partner],
        )

    # ---- roster

    def roster(self, names: list[str]) -> None:
        """The organisation and one mediator per name (the ref the centre assigns cases by), all submitted."""
        today = self.now.date()
        rules = self.runtime.partners.rules[self.spc]
        org = self.act(self.spc, PartnerKind.ROSTER, "upsert_org", None, organisation()).record.record_id
        for serial, name in enumerate(names, start=1):
            opened = self.act(self.spc, PartnerKind.ROSTER, "upsert_mediator", None, mediator(name, serial, today))
            submit_entry(self.runtime.uow, opened.record.record_id, actor=ACTOR, now=self.now, rules=rules)
        submit_entry(self.runtime.uow, org, actor=ACTOR, now=self.now, rules=rules)

    def activate(self) -> bool:
        """Onboard each certified entry; True once every entry is active."""
        records = self._records(PartnerKind.ROSTER)
        for record in records:
            if record.status == "CERTIFIED":
                self.act(self.spc, PartnerKind.ROSTER, "activate", record.record_id)
        return all(r.status in ("ACTIVE", "CERTIFIED") for r in records)

    # ---- arbitration

    def hand_over(self, count: int) -> None:
        for serial in range(1, count + 1):
            requested = "award_on_agreed_terms" if serial % AWARD_EVERY == 0 else "mediation_statement"
            self.act(
                self.commission,
                PartnerKind.ARBITRATION,
                "submit_application",
                None,
                application(serial, self.now, requested=requested),
            )
        try:
            self.act(
                self.commission,
                PartnerKind.ARBITRATION,
                "submit_application",
                None,
                application(count + 1, self.now, requested="mediation_statement", pre_dispute=True),
            )
        except InvalidRequest:
            self.refused_locally += 1  # the guard names the rule; nothing was written or sent

    # ---- each step

    def step(self) -> None:
        for record in self._records(PartnerKind.TRAFFIC):
            self._order.setdefault(record.record_id, len(self._order))
            self._try(self._traffic, record)
        self.offers_seen = len(self._order)
        for record in self._records(PartnerKind.ARBITRATION):
            if record.status == "ACCEPTED":
                self._try(
                    lambda r: self.act(
                        self.commission, r.kind, "pay_fee", r.record_id, {"reference": f"PAY-{r.record_id}"}
                    ),
                    record,
                )

    def _try(self, do: Any, record: PartnerRecord) -> None:
        with suppress(DockingError):  # the record moved under us (an answer came in): the next step looks again
            do(record)

    def _traffic(self, record: Any) -> None:
        place, rid = self._order[record.record_id], record.record_id
        act = lambda action, data=None: self.act(self.traffic, PartnerKind.TRAFFIC, action, rid, data)  # noqa: E731
        apply_jc = lambda: act("apply_jc", {"court_code": "粤0104"})  # noqa: E731  the court flows carry it
        if record.status == "OFFERED":
            if place % DECLINE_EVERY == DECLINE_EVERY - 1:
                act("decline", {"reason": "赔偿义务人下落不明，无法组织调解"})
            else:
                act("accept", {"note": "中心受理"})
        elif record.status == "ACCEPTED":
            act("start_mediation", {"mediator": "陈调解员"})
        elif record.status == "MEDIATING":
            if place % APPRAISE_EVERY == 0 and rid not in self._appraised:
                self._appraised.add(rid)
                act("request_appraisal", {"matters": "伤残等级、误工期、护理期"})
            else:
                act("record_outcome", {"result": "agreement"})
                apply_jc()  # before the platform reports the court's ruling on it
        elif record.status == "AGREEMENT_EFFECTIVE":
            apply_jc()
        elif record.status == "JC_CONFIRMED":
            act("request_claim", claim(record.facts))
        elif record.status in ("PAID", "PART_PAID", "JC_REJECTED", "CLAIM_REFUSED"):
            act("close", {"note": "结案"})

    def _records(self, kind: PartnerKind) -> list[Any]:
        with self.runtime.uow.begin() as session:
            rows = session.exec(select(PartnerRecordRow).where(PartnerRecordRow.kind == kind.value)).all()
            return [store.view(row) for row in sorted(rows, key=lambda r: r.record_id)]


def claim(facts: dict[str, Any]) -> dict[str, Any]:
    """The insurer claim on the confirmed agreement (basis: agreement + JC ruling) for the first insurer's share,
    paid to the claimant (保险法 Art 23: the insurer assesses within 30 days, pays within 10 of agreeing). One claim
    a case: the sandbox platform's insurer answers one claim per case."""
    claimant = next(p["name"] for p in facts["offer"]["parties"] if p["role"] == "claimant")
    share = facts["outcome"]["shares"][0]
    return {
        "basis": "agreement_jc",
        "basis_ref": facts["jc"]["ruling_no"],
        "insurer_uscc": share["insurer_uscc"],
        "policy_no": share["policy_no"],
        "payee": {**PAYEE, "name": claimant},
        "amount": share["amount"],
    }
