"""A simulated mediation centre: drives the adapter's centre services with a realistic mix of outcomes.

Roughly 70 % of accepted cases settle (the seed figures: 340 of 482 closed, 70.54 %); the rest end on the
failure codes 2–8; a few are declined, suspended or extended first. One action per case per step, so flows
interleave the way a busy centre's do.
"""

import hashlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.services import CentreServices
from adapter.states import CaseStatus, is_final
from sandbox import data
from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import CaseDispatch, Party
from schemas.clock import CHINA
from schemas.enums import DeclineReason, Flow, IdType, OutcomeCode, PartyKind, PartyRole
from schemas.outcome import FailureReport

MEDIATORS = ["陈调解员", "李调解员", "黄调解员", "周调解员", "林调解员"]
FAILURE_CODES = [OutcomeCode(c) for c in range(2, 9)]
FAILURE_WEIGHTS = [10, 20, 20, 25, 5, 10, 10]


class SimulatedCentre:
    def __init__(
        self,
        services: CentreServices,
        uow: UnitOfWork,  # which cases wait for the centre: the simulator lists them from the tables directly
        jc_platform: str,
        seed: int = 7,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.services, self.uow = services, uow
        self.jc_platform = jc_platform
        self.seed = seed
        self.clock = clock or services.clock
        self._rng = random.Random(seed)

    def _rng_for(self, case_id: str, salt: str) -> random.Random:
        # Per-case decisions stay the same however steps interleave.
        return random.Random(hashlib.sha256(f"{self.seed}:{case_id}:{salt}".encode()).digest())

    def intake(self, count: int) -> list[str]:
        """Flow C: parties who came to the centre directly."""
        return [self.services.register_self_received(self._self_received()) for _ in range(count)]

    def step(self) -> int:
        """Take one action on every case that is waiting for the centre; returns how many actions were taken."""
        with self.uow.begin() as session:
            rows = session.exec(select(CaseRow).order_by(col(CaseRow.id))).all()
            waiting = [(r.id, CaseStatus(r.status), r.flow, r.platform is not None) for r in rows]
        acted = 0
        for case_id, status, flow, has_court in waiting:
            if is_final(status, has_court):
                continue
            acted += self._act(case_id, status, Flow(flow))
        return acted

    def _act(self, case_id: str, status: CaseStatus, flow: Flow) -> int:
        s, rng = self.services, self._rng_for(case_id, status.value)
        if status is CaseStatus.PENDING_ACCEPTANCE:
            if self._rng_for(case_id, "accept").random() < 0.05:
                s.decline(case_id, rng.choice(list(DeclineReason)), "本中心受案范围外")
            else:
                s.accept(case_id)
        elif status is CaseStatus.ACCEPTED:
            s.assign_mediator(case_id, rng.choice(MEDIATORS))
        elif status is CaseStatus.MEDIATOR_ASSIGNED:
            s.hold_session(case_id, "第一次调解：线上身份核验，双方陈述")
        elif status is CaseStatus.IN_MEDIATION:
            side = self._rng_for(case_id, "side").random()
            history = self._history(case_id)
            if side < 0.08 and "suspend" not in history:
                s.suspend(case_id, "待补充证据材料")
            elif side < 0.16 and "extend" not in history:
                s.extend(case_id, (self.clock() + timedelta(days=15)).date())
            elif self._rng_for(case_id, "outcome").random() < 0.70:
                self._settle(case_id, rng)
            else:
                code = rng.choices(FAILURE_CODES, weights=FAILURE_WEIGHTS)[0]
                s.record_failure(
                    case_id,
                    code,
                    FailureReport(
                        facts="借款事实清楚", reason=f"调解不成：{code.name}", points_for_court="建议依法审理"
                    ),
                )
        elif status is CaseStatus.SUSPENDED:
            s.resume(case_id, "证据已补充")
        elif status is CaseStatus.EXTENDED:
            s.hold_session(case_id, "延长期限后继续调解")
        elif status is CaseStatus.AGREEMENT_EFFECTIVE:
            if flow is Flow.ENTRUSTED:
                return 0  # post-filing: the court issues the 调解书 itself [S1 Art 20]
            if rng.random() < 0.85:
                first, second = self._parties(case_id)
                s.apply_jc(case_id, first, second, platform=self.jc_platform)
            else:
                s.close_performed(case_id)
        else:
            return 0  # waiting for the court (JC_APPLIED) or at rest
        return 1

    def _parties(self, case_id: str) -> tuple[str, str]:
        parties = self._dispatch(case_id).parties
        return parties[0].name, parties[1].name

    def _history(self, case_id: str) -> set[str]:
        with self.uow.begin() as session:
            return set(session.exec(select(CaseEventRow.event).where(CaseEventRow.case_id == case_id)).all())

    def _dispatch(self, case_id: str) -> CaseDispatch:
        with self.uow.begin() as session:
            row = session.get(CaseRow, case_id)
            assert row is not None
            return CaseDispatch.model_validate_json(row.dispatch_json)

    def _settle(self, case_id: str, rng: random.Random) -> None:
        dispatch = self._dispatch(case_id)
        now = self.clock().astimezone(CHINA)
        document = f"调解协议书\n案件：{dispatch.case_number or case_id}\n金额：{dispatch.amount}\n".encode()
        cent = Decimal("0.01")
        total = (dispatch.amount * rng.choice([60, 75, 90]) / 100).quantize(cent)  # a negotiated reduction
        first = (total / 2).quantize(cent)
        payer, payee = _debtor_and_creditor(dispatch.parties)
        agreement = MediationAgreement(
            facts="被申请人逾期未还款",
            terms=f"{payer}分两期向{payee}支付{total}元",
            monetary_terms=(
                MonetaryTerm(
                    payer=payer,
                    payee=payee,
                    total=total,
                    instalments=(
                        Instalment(due=(now + timedelta(days=30)).date(), amount=first),
                        Instalment(due=(now + timedelta(days=60)).date(), amount=total - first),
                    ),
                ),
            ),
            performance="银行转账",
            document_sha256=hashlib.sha256(document).hexdigest(),
            signatures=(
                *(
                    SignatureRecord(signer=p.name, role=p.role.value, signed_at=now - timedelta(milliseconds=10 - i))
                    for i, p in enumerate(dispatch.parties)
                ),
                SignatureRecord(signer="调解员", role="mediator", signed_at=now),
            ),
            organisation_seal_at=now,
        )
        self.services.submit_agreement(case_id, agreement, document)

    def _self_received(self) -> CaseDispatch:
        rng = self._rng
        cause, bank, person = data.weighted_cause(rng), rng.choice(data.INSTITUTIONS), data.person_name(rng)
        return CaseDispatch(
            platform_case_id=f"ZS-{rng.getrandbits(48):012x}",
            flow=Flow.SELF_RECEIVED,
            cause=cause,
            claims="请求调解信用卡欠款分期还款",
            amount=data.amount(rng, cause),
            parties=(
                Party(
                    name=person,
                    role=PartyRole.APPLICANT,
                    kind=PartyKind.NATURAL_PERSON,
                    id_type=IdType.RESIDENT_ID,
                    id_number=data.resident_id(rng),
                    phone=data.mobile(rng),
                ),
                Party(
                    name=bank,
                    role=PartyRole.RESPONDENT,
                    kind=PartyKind.LEGAL_PERSON,
                    id_type=IdType.USCC,
                    id_number=data.social_credit_code(bank),
                ),
            ),
            dispatched_at=self.clock(),
        )


def _debtor_and_creditor(parties: tuple[Party, ...]) -> tuple[str, str]:
    people = [p.name for p in parties if p.kind is PartyKind.NATURAL_PERSON]
    others = [p.name for p in parties if p.kind is not PartyKind.NATURAL_PERSON]
    return (people or [parties[0].name])[0], (others or [parties[-1].name])[0]
