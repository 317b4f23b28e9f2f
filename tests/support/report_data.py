"""A known month of work for the monthly-report tests (November 2026, China time), built with the real use
cases on a real database; the figures it must give are worked out by hand in tests/integration/test_report.py.

    case  source   flow  court   received      what happens (China time)
    K0    court    A     粤0104  09-30 Wed     accepted 10-08; failed (outcome 4) 10-12               — October
    K1    court    A     粤0104  10-20 Tue     accepted 10-21; agreement 11-03; JC applied 11-05, confirmed 11-20
    K2    court    B     粤0104  10-26 Mon     accepted 10-27; failed (outcome 5) 10-30            — all October
    N1    court    A     粤0104  11-02 Mon     accepted 11-03; agreement 11-16; JC applied 11-18, rejected 11-27
    N2    court    A     粤0104  11-02 Mon     declined 11-04 (cause 金融借款合同纠纷)
    N3    court    B     粤0106  11-05 Thu     accepted 11-05; failed (outcome 3, unreachable) 11-20 (an insurer's)
    N4    self     C     —       11-09 Mon     accepted 11-09; failed (outcome 2, settled and withdrew) 11-25
    N5    partner  C     —       11-10 Tue     accepted 11-10; agreement 12-02 (closes in December)
    N6    court    A     粤0104  11-30 23:30   (received only)
    N7    court    A     粤0104  12-01 00:10   (received only; 11-30 16:10 UTC: December in China time)

The complaints of the same month (Q1–Q6) are tests/support/report_complaints.py's.

November 2026 has no public holiday: its working days are Monday to Friday. October has National Day (10-01 to
10-07) and a make-up working Saturday (调休, 10-10): K0's handling time is 4 working days (10-08, 10-09, 10-10,
10-12), not 3 (weekdays after the holiday) nor 8 (every weekday).
"""

from datetime import datetime, timedelta
from decimal import Decimal

from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import CaseRow
from adapter.report import Month as ReportMonth
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing import FakeClock
from schemas.case import Party
from schemas.clock import CHINA
from schemas.enums import DeclineReason, Flow, OutcomeCode
from schemas.outcome import FailureReport
from tests.support import report_complaints, samples

BANK, PERSON = "某某银行股份有限公司", "张三"
INSURER = "某某财产保险股份有限公司"
PARTNER = "bankx"  # the API client of a bank's complaint system ([report] partner_clients)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


class Month:
    """The data set's cases by name, and the clock and services that made them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow, self.clock = uow, FakeClock(at(10, 1))
        self.store = SqlCaseStore(uow)
        self.ids: dict[str, str] = {}

    def services(self, actor: str = "centre") -> CentreServices:
        return CentreServices(self.store, self.clock, actor=actor)

    def on(self, when: datetime) -> CentreServices:
        self.clock.now = when
        return self.services()

    def court_case(self, name: str, when: datetime, flow: Flow, court: str, amount: str, **changes: object) -> str:
        """A court's dispatch as the intake stores it (adapter/inbox): created and registered."""
        number = f"（2026）{court}民初{1000 + len(self.ids)}号"
        fields: dict[str, object] = {"court_name": COURTS[court], **changes}
        dispatch = samples.dispatch(
            flow,
            platform_case_id=f"P-{name}",
            case_number=number,
            court_code=court,
            amount=Decimal(amount),
            dispatched_at=when,
            **fields,
        )
        with self.uow.begin() as session:
            case = create_case(session, dispatch, "p1", when)
            transition(session, case, Event.REGISTER, actor="intake", at=when)
            self.ids[name] = case.id
        return case.id

    def self_case(self, name: str, when: datetime, amount: str, actor: str = "centre") -> str:
        self.clock.now = when
        dispatch = samples.dispatch(Flow.SELF_RECEIVED, platform_case_id=f"C-{name}", amount=Decimal(amount))
        self.ids[name] = self.services(actor).register_self_received(dispatch)
        return self.ids[name]

    def agreement(self, name: str, effective: datetime) -> None:
        """A mediator assigned the day before, and an agreement effective at `effective`."""
        self.on(effective - timedelta(days=1)).assign_mediator(self.ids[name], "李调解")
        self.clock.now = effective + timedelta(minutes=10)
        self.services().submit_agreement(self.ids[name], samples.agreement(effective=effective), samples.DOCUMENT)

    def failure(self, name: str, when: datetime, code: OutcomeCode) -> None:
        self.on(when).record_failure(self.ids[name], code, FailureReport(reason="见报告"))

    def court_decides(self, name: str, when: datetime, event: Event) -> None:
        """The court's JC decision as the intake applies it."""
        with self.uow.begin() as session:
            case = session.get(CaseRow, self.ids[name])
            assert case is not None
            transition(session, case, event, actor="p1", at=when)


COURTS = {"粤0104": "广州市越秀区人民法院", "粤0106": "广州市天河区人民法院"}
SETTLED = samples.agreement().monetary_terms[0].total  # 35000.50 per agreement


def insured() -> tuple[Party, ...]:
    """An insurer against the sample's person: another institution."""
    bank, person = samples.dispatch().parties
    return (bank.model_copy(update={"name": INSURER}), person)


def build(uow: UnitOfWork) -> Month:
    """The data set of the module docstring."""
    m = Month(uow)
    m.court_case("K0", at(9, 30), Flow.DELEGATED, "粤0104", "3000.00")
    m.on(at(10, 8)).accept(m.ids["K0"])
    m.failure("K0", at(10, 12), OutcomeCode.PARTY_REFUSES_TO_CONTINUE)
    m.court_case("K1", at(10, 20), Flow.DELEGATED, "粤0104", "35000.50")
    m.on(at(10, 21)).accept(m.ids["K1"])
    m.court_case("K2", at(10, 26), Flow.ENTRUSTED, "粤0104", "9000.00")
    m.on(at(10, 27)).accept(m.ids["K2"])
    m.failure("K2", at(10, 30), OutcomeCode.POSITIONS_TOO_FAR_APART)

    m.court_case("N1", at(11, 2), Flow.DELEGATED, "粤0104", "35000.50")
    m.court_case("N2", at(11, 2, 11), Flow.DELEGATED, "粤0104", "1000.00", cause="金融借款合同纠纷")
    m.agreement("K1", at(11, 3, 9))
    m.on(at(11, 3)).accept(m.ids["N1"])
    m.on(at(11, 4)).decline(m.ids["N2"], DeclineReason.UNSUITABLE, "不属于受理范围")
    m.on(at(11, 5)).apply_jc(m.ids["K1"], BANK, PERSON)
    m.court_case("N3", at(11, 5), Flow.ENTRUSTED, "粤0106", "20000.00", parties=insured())
    m.on(at(11, 5, 15)).accept(m.ids["N3"])
    m.self_case("N4", at(11, 9), "5000.25")
    m.on(at(11, 9, 14)).accept(m.ids["N4"])
    m.self_case("N5", at(11, 10), "12345.67", actor=f"api:{PARTNER}")
    m.on(at(11, 10, 14)).accept(m.ids["N5"])
    m.agreement("N1", at(11, 16))
    m.on(at(11, 18)).apply_jc(m.ids["N1"], BANK, PERSON)
    m.failure("N3", at(11, 20), OutcomeCode.PARTY_UNREACHABLE)
    m.court_decides("K1", at(11, 20, 16), Event.JC_CONFIRMED)
    m.failure("N4", at(11, 25), OutcomeCode.SETTLED_AND_WITHDREW)
    m.court_decides("N1", at(11, 27), Event.JC_REJECTED)
    m.court_case("N6", at(11, 30, 23, 30), Flow.DELEGATED, "粤0104", "800.00")
    m.court_case("N7", at(12, 1, 0, 10), Flow.DELEGATED, "粤0104", "700.00")
    m.agreement("N5", at(12, 2))
    report_complaints.build(uow)
    return m


# The month the data set fills, when its report is computed, and its figures worked out by hand.
NOVEMBER = ReportMonth(2026, 11)
COMPUTED = datetime(2026, 12, 1, 6, 0, tzinfo=CHINA)

HEADLINE = {
    "received": 6,  # N1–N6; K1, K2 in October; N7 is 12-01 00:10 China time (11-30 16:10 UTC)
    "accepted": 4,  # N1, N3, N4, N5 (K1, K2 in October)
    "declined": 1,  # N2
    "acceptance_overdue": 0,
    "closed": 4,  # K1 (1, received in October), N1 (1), N3 (3), N4 (2); K2 closed in October, N5 in December
    "successful": 2,  # K1, N1: outcome 1 only
    "success_rate": Decimal("50.00"),  # 2 ÷ 4 closed — not ÷ 6 received (33.33) nor ÷ 4 accepted
    "jc_applied": 2,  # K1 11-05, N1 11-18
    "jc_confirmed": 1,  # K1
    "jc_rejected": 1,  # N1
    "jc_not_accepted": 0,
    "jc_withdrawn": 0,
    "amount_claimed": Decimal("74146.42"),  # 35000.50 + 1000.00 + 20000.00 + 5000.25 + 12345.67 + 800.00
    "amount_settled": Decimal("70001.00"),  # K1 and N1 agreements, 35000.50 each
    # K1 10-20 → 11-03: 10; N1 11-02 → 11-16: 10; N3 11-05 → 11-20: 11; N4 11-09 → 11-25: 12
    "handling_days_mean": Decimal("10.8"),  # 43 ÷ 4 = 10.75, half to even
    "handling_days_median": Decimal("10.5"),  # (10 + 11) ÷ 2
    "deadlines_met": 9,
    "deadlines_missed": 3,
    "deadline_alerts": 0,
    # K1: mediator, agreement, JC; N1: accepted, mediator, agreement, JC; N2: declined; N3: accepted, outcome.
    # Flow C cases have no court to tell (N4, N5); N5's mediator is assigned 12-01.
    "messages_queued": 10,
    "messages_delivered": 0,
    "messages_pending": 10,
    "messages_dead": 0,
    "quarantined": 0,
    **report_complaints.HEADLINE,
}

TABLES = {
    "received_by_source": {"court 法院": 4, "self-received 自收": 1, "partner 合作机构": 1},
    "received_by_court": {
        "广州市越秀区人民法院 (粤0104)": 3,  # N1, N2, N6
        "广州市天河区人民法院 (粤0106)": 1,  # N3
        "— no court (flow C) 无": 2,  # N4, N5
    },
    "received_by_cause": {"信用卡纠纷": 5, "金融借款合同纠纷": 1},  # N2's
    "received_by_institution": {BANK: 5, INSURER: 1},  # N3's
    "received_by_flow": {"A delegated 委派": 3, "B entrusted 委托": 1, "C self-received 自收": 2},
    "closed_by_outcome": {
        "1 agreement reached 达成协议": 2,
        "2 settled and withdrew 和解撤回": 1,
        "3 party unreachable 无法联系": 1,
    },
    # acceptance: N1 (next day), N2 (declined within 3 working days), N3 (same day); contact: K1 and N1 never held
    # a session before their agreements, past the contact day; mediation: K1, N1 in time, N3 (entrusted, simple:
    # 7 days from 11-05, last day 11-12) failed 11-20; JC application and review: K1, N1 in time.
    "deadlines": {
        "acceptance: met": 3,
        "contact: late": 2,
        "mediation: met": 2,
        "mediation: late": 1,
        "jc_application: met": 2,
        "jc_review: met": 2,
    },
    "messages": {"pending": 10},
    **report_complaints.TABLES,
}
