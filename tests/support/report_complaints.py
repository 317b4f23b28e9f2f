"""The complaints of the monthly report's known month (tests/support/report_data.py), made with the store's real use
cases (adapter/complaints/service.py, inbound.py); their figures are worked out by hand in HEADLINE and TABLES.

    complaint  channel  desk (institution)   received (China time)   what happens
    Q1         phone    card centre (bank)   11-02 Mon 10:00         forwarded 10:00; acked; decided upheld ¥600 11-04
    Q2         web      card centre          11-03 Tue 18:30         entered and forwarded 11-04 09:00 (not the same
                                                                     day); decided rejected 11-20
    Q3         WeChat   card centre          11-09 Mon 09:00         small claim: decided ¥1,200 11-11, paid 11-16
                                                                     (5 working days: 10, 11, 12, 13, 16)
    Q4         letter   life insurer         11-10 Tue 10:00         acked 11-11; converted to mediation 12-01
    Q5         phone    card centre          10-30 Fri 10:00         (October) decided settled ¥200 11-05
    Q6         phone    card centre          11-06 Fri 10:00         Q1 again without new facts: merged, not forwarded
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from adapter.complaints import inbound
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.memoranda import Memorandum
from adapter.complaints.service import ComplaintServices
from adapter.persistence.engine import UnitOfWork
from adapter.testing import FakeClock
from schemas.clock import CHINA
from schemas.complaint import (
    AckBody,
    Complaint,
    ComplaintBody,
    ComplaintEnvelope,
    DecidedBody,
    DecisionResult,
    SmallClaimPerformedBody,
)

BANK_USCC, INSURER_USCC = "914400001234567899", "91310000MA1FL0000N"
BANK_NAME, INSURER_NAME = "某银行信用卡中心", "某人寿保险公司"
CARD, LIFE = "card-centre", "life-insurer"
PEOPLE = {
    "Q1": "440104199001010117",
    "Q2": "440104199001010125",
    "Q3": "440104199001010133",
    "Q4": "440104199001010141",
    "Q5": "44010419900101015X",
}  # fmt: skip  (GB 11643 check digits valid)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def _complaint(name: str, received: datetime, channel: str, person: str, **changes: Any) -> Complaint:
    data: dict[str, Any] = {
        "complaint_id": f"CP-{name}",
        "received_at": received,
        "channel": channel,
        "complainant": {"kind": "natural_person", "name": "李四", "id_type": "resident_id", "id_number": person},
        "institution": {"kind": "bank", "name": BANK_NAME, "uscc": BANK_USCC},
        "classification": {"table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C12"},
        "request": "退还费用",
        "facts": "被多收费用",
        "amount_in_dispute": "600.00",
        **changes,
    }
    return Complaint.model_validate(data)


class Complaints:
    def __init__(self, uow: UnitOfWork) -> None:
        memo = Memorandum(
            small_claim_cap=Decimal("5000.00"), delegated_authority="5000 元以内", signed_on=date(2025, 6, 1)
        )
        desks = DeskDirectory.of([Desk(CARD, (BANK_USCC,), memo), Desk(LIFE, (INSURER_USCC,))])
        self.uow, self.clock = uow, FakeClock(at(10, 30))
        self.services = ComplaintServices(uow, self.clock, "clerk", desks=desks)
        self.seq = 0

    def receive(self, complaint: Complaint, when: datetime) -> None:
        self.clock.now = when
        self.services.receive(complaint)

    def desk(self, desk: str, name: str, when: datetime, body: ComplaintBody) -> None:
        self.clock.now, self.seq = when, self.seq + 1
        envelope = ComplaintEnvelope(message_id=f"R-{self.seq}", complaint_id=f"CP-{name}", sent_at=when, body=body)
        assert inbound.apply(self.uow, desk, envelope, self.clock) == inbound.APPLIED

    def ack(self, desk: str, name: str, when: datetime) -> None:
        self.desk(desk, name, when, AckBody(desk_ref=f"KF-{name}", acknowledged_at=when))

    def decided(self, name: str, when: datetime, result: DecisionResult, amount: str) -> None:
        body = DecidedBody(result=result, remedy_amount=Decimal(amount), notified_at=when)
        self.desk(CARD, name, when, body)


def build(uow: UnitOfWork) -> None:
    """The complaints of the module docstring."""
    q = Complaints(uow)
    q.receive(_complaint("Q5", at(10, 30), "phone", PEOPLE["Q5"]), at(10, 30))
    q.ack(CARD, "Q5", at(10, 30, 15))
    q.receive(_complaint("Q1", at(11, 2), "phone", PEOPLE["Q1"]), at(11, 2))
    q.ack(CARD, "Q1", at(11, 2, 11))
    q.receive(_complaint("Q2", at(11, 3, 18, 30), "web", PEOPLE["Q2"]), at(11, 4, 9))
    q.ack(CARD, "Q2", at(11, 4, 10))
    q.decided("Q1", at(11, 4), DecisionResult.UPHELD, "600.00")
    q.decided("Q5", at(11, 5), DecisionResult.SETTLED, "200.00")
    q.receive(_complaint("Q6", at(11, 6), "phone", PEOPLE["Q1"]), at(11, 6))
    small = {"track": "small_claim", "amount_in_dispute": "1200.00"}
    q.receive(_complaint("Q3", at(11, 9, 9), "wechat", PEOPLE["Q3"], **small), at(11, 9, 9))
    q.clock.now = at(11, 11)
    q.services.small_claim_decide("CP-Q3", Decimal("1200.00"), "陈调解员")
    q.desk(CARD, "Q3", at(11, 16), SmallClaimPerformedBody(paid_at=at(11, 16), amount=Decimal("1200.00")))
    insurer = {
        "institution": {"kind": "insurer", "name": INSURER_NAME, "uscc": INSURER_USCC},
        "classification": {"table": "nfra-insurance", "version": "2020", "business": "L0206", "cause": "D0101"},
    }
    q.receive(_complaint("Q4", at(11, 10), "letter", PEOPLE["Q4"], **insurer), at(11, 10))
    q.ack(LIFE, "Q4", at(11, 11))
    q.decided("Q2", at(11, 20), DecisionResult.REJECTED, "0.00")
    q.clock.now = at(12, 1, 10)
    q.services.convert_to_mediation("CP-Q4", at(11, 30, 16), at(12, 1, 9))


HEADLINE: dict[str, object] = {
    "complaints": 5,  # Q1, Q2, Q3, Q4, Q6 (Q5 in October)
    "complaints_forwarded": 4,  # Q1–Q4 (Q5 in October; Q6 merged)
    "complaints_forwarded_same_day": 3,  # Q2 came in at 18:30 and went out the next morning
    "complaints_settled": 3,  # Q1 upheld, Q5 settled, Q3 paid; Q2 rejected is decided, not settled
    "complaints_settled_amount": Decimal("2000.00"),  # 600 + 200 + 1200
    "small_claims": 1,  # Q3
    "small_claim_working_days_avg": Decimal("5.0"),  # Q3: 11-09 → 11-16
    "complaints_to_mediation": 0,  # Q4 converts on 12-01
}
TABLES: dict[str, dict[str, int]] = {
    "complaints_by_channel": {"phone 电话": 2, "web 网站": 1, "WeChat 微信": 1, "letter 信函": 1},
    "complaints_by_institution_type": {"bank 银行": 4, "insurer 保险": 1},
    "complaints_by_business": {"B03 银行卡类": 4, "L02 人身保险": 1},
    "complaints_by_institution": {BANK_NAME: 4, INSURER_NAME: 1},
    "complaints_by_track": {"general 一般": 4, "small claim 小额快速": 1},
}
