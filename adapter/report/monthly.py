"""compute(): one China-time month's report (partners.md §5) from the case history, the cases, the outbox and the
quarantine. Reads unsealed columns and the stored JSON as text (sealed values stay sealed): it opens no personal
data, so it needs no data key and a key problem cannot stop it.

How each figure is counted (a case counts once per figure; "in the month": start ≤ t < end, China time):
- received: cases registered in the month, by source (court / self-received / partner), court, cause (案由),
  institution, flow. Source: flows A, B, D come from a court; flow C is "partner" when registered by an API
  client named in `[report] partner_clients` (a bank's or insurer's complaint system), else "self-received".
  Institution: the first legal-person or unincorporated party (institution names may be published [P40]).
- accepted / declined / acceptance overdue / JC applied, confirmed, rejected, not accepted, withdrawn / deadline
  alerts: cases with that event (CLOSING, COUNTED below) in the month, whenever received.
- closed: cases whose mediation ended in the month — the last party's signature (outcome 1) or a failure outcome
  (2–8, its code read from the TERMINATE event). A case ending twice in the month (an agreement, JC rejected,
  mediated again, failed) counts once, by its last end.
- successful: closed with outcome 1, an agreement reached in the mediation [S2 Art 25] (outcome 2, the parties
  settled by themselves and withdrew, is closed but not a mediation success). success rate = successful ÷ closed
  in the month, the regulators' published definition (partners.md §5: 340/482 = 70.54 % [P67a][P67c]).
- amount claimed: the amounts of the cases received; amount settled: the monetary terms' totals of the
  agreements of the successful cases. Decimal yuan.
- handling time: working days (the holiday calendar with 调休, adapter/deadlines/calendar.py) from receipt (the
  court's publication, else our registration; deadlines/facts.py receipt) to the end, of the closed cases: the
  days after the receipt date up to and including the end date. Mean to one place, median.
- deadlines met / missed: deadlines (adapter/deadlines) of cases with an event in the month that came to rest in
  it — met (done in time) or late (done after the last day) at the month's end, and not yet at its start.
- messages: outbox rows queued in the month, by their status now; delivered in the month; quarantined items.
- complaints: received, forwarded (the same day), settled (count, amount), small claims and their working days,
  converted to mediation, and the breakdowns of the complaints received — complaint_figures.py defines each;
- docking partners (traffic platform, arbitration commissions, SPC roster): per partner — partner_figures.py.
"""

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlmodel import Session, col

from adapter.complaints.working_days import small_claim_working_days
from adapter.deadlines import Deadlines, WorkCalendar, china_date, receipt
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, OutboxStatus
from adapter.report import reading
from adapter.report.complaint_figures import ComplaintFigures, complaint_figures
from adapter.report.deadline_figures import deadline_figures
from adapter.report.model import Month, MonthlyReport, table
from adapter.report.partner_figures import partner_figures as partner_figures_of
from adapter.report.partner_figures import read as read_partners
from adapter.report.reading import ReportCase, ReportEvent, ordered
from adapter.states import Event, HistoryEvent, HistoryNote
from schemas.clock import CHINA, Clock, from_db, to_utc
from schemas.enums import Flow, OutcomeCode, PartyKind

# Cases with each event (or history note) in the month; named once, held to the enums by
# tests/unit/test_stats_names.py.
COUNTED: dict[str, HistoryEvent] = {
    "accepted": Event.ACCEPT,
    "declined": Event.DECLINE,
    "acceptance_overdue": Event.ACCEPTANCE_TIMEOUT,
    "jc_applied": Event.APPLY_JC,
    "jc_confirmed": Event.JC_CONFIRMED,
    "jc_rejected": Event.JC_REJECTED,
    "jc_not_accepted": Event.JC_NOT_ACCEPTED,
    "jc_withdrawn": Event.JC_WITHDRAWN,
    "deadline_alerts": HistoryNote.DEADLINE_ALERT,
}
# The events that end a mediation, and the outcome each carries (TERMINATE's code is in its detail).
CLOSING: dict[str, Event] = {"agreement": Event.LAST_PARTY_SIGNS, "failure": Event.TERMINATE}
SUCCESSFUL = frozenset({OutcomeCode.AGREEMENT_REACHED})

SOURCES = {"court": "court 法院", "self": "self-received 自收", "partner": "partner 合作机构"}
FLOWS = {
    Flow.DELEGATED: "A delegated 委派",
    Flow.ENTRUSTED: "B entrusted 委托",
    Flow.SELF_RECEIVED: "C self-received 自收",
    Flow.PARTY_APPLIED: "D party applied 当事人申请",
}
OUTCOMES = {
    OutcomeCode.AGREEMENT_REACHED: "1 agreement reached 达成协议",
    OutcomeCode.SETTLED_AND_WITHDREW: "2 settled and withdrew 和解撤回",
    OutcomeCode.PARTY_UNREACHABLE: "3 party unreachable 无法联系",
    OutcomeCode.PARTY_REFUSES_TO_CONTINUE: "4 party refuses to continue 拒绝继续",
    OutcomeCode.POSITIONS_TOO_FAR_APART: "5 positions too far apart 分歧过大",
    OutcomeCode.PERIOD_EXPIRED: "6 period expired 超期",
    OutcomeCode.PARTY_REFUSES_TO_SIGN: "7 party refuses to sign 拒绝签字",
    OutcomeCode.OTHER: "8 other 其他",
}
NO_COURT, NO_INSTITUTION, UNRECORDED = "— no court (flow C) 无", "— no institution 无", "— unrecorded 未记录"
_INSTITUTIONS = frozenset({PartyKind.LEGAL_PERSON.value, PartyKind.UNINCORPORATED.value})


def compute(
    uow: UnitOfWork,
    month: Month,
    *,
    clock: Clock,
    deadlines: Deadlines | None = None,
    partner_clients: Iterable[str] = (),
) -> MonthlyReport:
    """The report for `month` (see the module docstring for every definition). `deadlines`: the configured
    engine (holiday file, per-court periods); `partner_clients`: API client names whose flow-C cases are
    "partner". Raises only database errors."""
    engine = deadlines or Deadlines()
    start, end = to_utc(month.start), to_utc(month.end)
    partners = {f"api:{name}" for name in partner_clients}
    with uow.begin() as session:
        received = reading.cases_created(session, start, end)
        in_month = reading.events(session, col(CaseEventRow.at) >= start, col(CaseEventRow.at) < end)
        registered_by = {
            e.case_id: e.actor
            for e in reading.events_of(session, [c.id for c in received])
            if e.event == Event.REGISTER
        }
        touched = sorted({e.case_id for e in in_month})
        cases = {c.id: c for c in reading.cases(session, touched)}
        history: dict[str, list[ReportEvent]] = {}
        for e in reading.events_of(session, touched):
            if from_db(e.at) < end:
                history.setdefault(e.case_id, []).append(e)
        messages = reading.messages(session, start, end)
        complaints = _complaints(session, month, start, end, engine.calendar)
        partner_figures = partner_figures_of(month, *read_partners(session, start, end))
    closings = _closings(in_month)
    successful = [cid for cid, code in closings.items() if code in SUCCESSFUL]
    handling = [
        _working_days(engine.calendar, _receipt_day(cases[cid], history[cid]), china_date(at))
        for cid, (at, _) in _closing_times(in_month).items()
    ]
    met, late, by_deadline = deadline_figures(engine, [cases[cid] for cid in touched], history, month)
    reached: dict[str, Any] = {
        figure: len({e.case_id for e in in_month if e.event == event}) for figure, event in COUNTED.items()
    }
    return MonthlyReport(
        month=month,
        computed_at=from_db(clock()).astimezone(CHINA).replace(microsecond=0),
        received=len(received),
        closed=len(closings),
        successful=len(successful),
        amount_claimed=sum((Decimal(c.amount) for c in received), Decimal("0.00")),
        amount_settled=sum((_settled(cases[cid]) for cid in successful), Decimal("0.00")),
        handling_days_mean=_mean(handling),
        handling_days_median=None if not handling else Decimal(str(median(handling))).quantize(Decimal("0.1")),
        deadlines_met=met,
        deadlines_missed=late,
        tables=(
            table(
                "received_by_source",
                "Received by source 收案来源",
                "source",
                _by_source(received, registered_by, partners),
            ),
            table("received_by_court", "Received by court 法院", "court", Counter(_court(c) for c in received)),
            table("received_by_cause", "Received by cause 案由", "cause", Counter(c.cause for c in received)),
            table(
                "received_by_institution",
                "Received by institution 机构",
                "institution",
                Counter(_institution(c) for c in received),
            ),
            table("received_by_flow", "Received by flow 流程", "flow", Counter(_flow(c) for c in received)),
            table(
                "closed_by_outcome",
                "Closed by outcome 结案方式",
                "outcome",
                Counter(_outcome(code) for code in closings.values()),
            ),
            table("deadlines", "Deadlines come to rest 期限", "deadline", by_deadline),
            table(
                "messages",
                "Messages to courts queued, by status now 消息",
                "status",
                messages["by_status"],
                personal=False,
            ),
            *complaints.tables,
            *partner_figures.tables,
        ),
        messages_queued=sum(messages["by_status"].values()),
        messages_delivered=messages["delivered"],
        messages_pending=messages["by_status"].get(OutboxStatus.PENDING.value, 0),
        messages_dead=messages["by_status"].get(OutboxStatus.DEAD.value, 0),
        quarantined=messages["quarantined"],
        complaints=complaints.received,
        complaints_forwarded=complaints.forwarded,
        complaints_forwarded_same_day=complaints.forwarded_same_day,
        complaints_settled=complaints.settled,
        complaints_settled_amount=complaints.settled_amount,
        small_claims=complaints.small_claims,
        small_claim_working_days_avg=complaints.small_claim_days_avg,
        complaints_to_mediation=complaints.to_mediation,
        partner_figures=partner_figures.figures,
        **reached,
    )


# ---- figures


def _complaints(
    session: Session, month: Month, start: datetime, end: datetime, calendar: WorkCalendar
) -> ComplaintFigures:
    """The complaint figures (complaint_figures.py): the complaints received in the month, and those with an event
    in it with their events; small claims' working days on the configured calendar."""
    received = reading.complaints_received(session, start, end)
    in_month = reading.complaint_events(session, start, end)
    touched = {c.id: c for c in reading.complaints(session, sorted({e.complaint_id for e in in_month}))}
    return complaint_figures(
        month, received, touched, in_month, lambda at, paid: small_claim_working_days(at, paid, calendar).days
    )


def _closing_times(in_month: list[ReportEvent]) -> dict[str, tuple[datetime, ReportEvent]]:
    """Each case's last mediation end in the month."""
    last: dict[str, tuple[datetime, ReportEvent]] = {}
    for e in ordered(in_month):
        if e.event in CLOSING.values():
            last[e.case_id] = (from_db(e.at), e)
    return last


def _closings(in_month: list[ReportEvent]) -> dict[str, OutcomeCode | None]:
    """case id → the outcome of its last end in the month (None: a failure whose code was not recorded)."""
    return {cid: _code(e) for cid, (_, e) in _closing_times(in_month).items()}


def _code(e: ReportEvent) -> OutcomeCode | None:
    if e.event == Event.LAST_PARTY_SIGNS:
        return OutcomeCode.AGREEMENT_REACHED
    try:  # record_failure stores the MediationOutcome as the TERMINATE event's detail (adapter/services.py)
        return OutcomeCode(int(json.loads(e.detail)["code"]))
    except (ValueError, KeyError, TypeError):
        return None


def _outcome(code: OutcomeCode | None) -> str:
    return UNRECORDED if code is None else OUTCOMES[code]


def _by_source(received: list[ReportCase], registered_by: dict[str, str], partners: set[str]) -> dict[str, int]:
    def source(case: ReportCase) -> str:
        if case.flow != Flow.SELF_RECEIVED:
            return SOURCES["court"]
        return SOURCES["partner"] if registered_by.get(case.id) in partners else SOURCES["self"]

    return Counter(source(c) for c in received)


def _dispatch(case: ReportCase) -> dict[str, Any]:
    try:
        body = json.loads(case.dispatch_json)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _court(case: ReportCase) -> str:
    if case.flow == Flow.SELF_RECEIVED and not case.court_code:
        return NO_COURT
    name = _dispatch(case).get("court_name")
    code = case.court_code or _dispatch(case).get("court_code")
    if name and code:
        return f"{name} ({code})"
    return str(name or code or UNRECORDED)


def _institution(case: ReportCase) -> str:
    for party in _dispatch(case).get("parties") or ():
        if isinstance(party, dict) and party.get("kind") in _INSTITUTIONS and isinstance(party.get("name"), str):
            return str(party["name"])
    return NO_INSTITUTION


def _flow(case: ReportCase) -> str:
    try:
        return FLOWS[Flow(case.flow)]
    except ValueError:
        return case.flow


def _settled(case: ReportCase) -> Decimal:
    """The agreement's monetary terms' totals (schemas/agreement.py MonetaryTerm.total), yuan."""
    if case.agreement_json is None:
        return Decimal("0.00")
    terms = json.loads(case.agreement_json).get("monetary_terms") or ()
    return sum((Decimal(str(t["total"])) for t in terms), Decimal("0.00"))


def _receipt_day(case: ReportCase, history: list[ReportEvent]) -> date:
    registered = next((from_db(e.at) for e in ordered(history) if e.event == Event.REGISTER), None)
    return china_date(receipt(case, registered).at)


def _working_days(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when closed on the day received)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += calendar.is_working_day(day)[0]
    return days


def _mean(values: list[int]) -> Decimal | None:
    return None if not values else (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"))
