"""The complaint figures of the monthly report (partners.md §5 "Published figures": complaints by channel,
forwarded (the same day), settled (count, amount), by institution type and business line, small claims with
average working days [P67a][P67b]; and the complaints converted to mediation). Pure: the complaints and their
history in, the figures out; reading them is reading.py's.

How each is counted ("in the month": start ≤ t < end, China time; a complaint counts once per figure):
- received: complaints received in the month (`received_at`), by channel, institution type, business line (the
  top level of the classification's business code: JR/T 0169-2018 for banks, the regulator's categories for
  insurers), institution and track;
- forwarded: complaints forwarded to the institution in the month; forwarded the same day: of those, forwarded on
  the China calendar day they were received (当日接收、当日转办 [P67a]) — an after-hours complaint forwarded the next
  working day is on time by the deadline rules but not "the same day" here;
- settled: complaints the institution decided in the month in the complainant's favour — upheld, partly upheld or
  settled by agreement (a rejection is decided, not settled; the result is the complaint's decision) — and small
  claims the institution paid in the month; each complaint once. Amount: their remedy amounts (the decision's
  remedy, or the small claim the mediator decided and the institution paid), Decimal yuan;
- small claims: complaints the mediator decided on the small-claim track in the month; their working days: from
  receipt to the payment the institution confirmed, of those paid in the month (working days after the receipt
  date up to and including the payment date, the holiday calendar with 调休), mean to one place (half up) —
  reported, not enforced [P67a];
- to mediation: complaints converted to a mediation case in the month.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from adapter.complaints.states import ComplaintEvent
from adapter.report.model import Month, Table, table
from reference import complaint_codes
from schemas.clock import CHINA, from_db

# The results of a decision that settle the complaint in the complainant's favour (schemas/complaint.py).
SETTLING = frozenset({"upheld", "partly", "settled"})
CHANNELS = {
    "web": "web 网站",
    "phone": "phone 电话",
    "letter": "letter 信函",
    "visit": "visit 来访",
    "wechat": "WeChat 微信",
}
INSTITUTION_KINDS = {"bank": "bank 银行", "insurer": "insurer 保险"}
TRACKS = {"general": "general 一般", "small_claim": "small claim 小额快速", "green_channel": "green channel 绿色通道"}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReportComplaint:
    """A complaint as the report reads it: unsealed columns only (the complainant stays sealed)."""

    id: str
    received_at: datetime
    channel: str
    institution_kind: str
    institution_name: str
    business: str  # the classification's business code, e.g. "B0302" (banks, JR/T 0169-2018) or "L0206"
    track: str
    decision_result: str | None = None  # the institution's decision (schemas/complaint.py DecisionResult)
    remedy_amount: str | None = None  # yuan, as stored: the decision's remedy, or the small claim decided
    paid_at: datetime | None = None  # small claim: the payment the institution confirmed


@dataclass(frozen=True)
class ReportComplaintEvent:
    id: int | None
    complaint_id: str
    at: datetime
    event: str


@dataclass(frozen=True)
class ComplaintFigures:
    received: int
    forwarded: int
    forwarded_same_day: int
    settled: int
    settled_amount: Decimal
    small_claims: int
    small_claim_days_avg: Decimal | None
    to_mediation: int
    tables: tuple[Table, ...]


def complaint_figures(
    month: Month,
    received: Iterable[ReportComplaint],
    touched: dict[str, ReportComplaint],
    in_month: Iterable[ReportComplaintEvent],
    working_days: Callable[[datetime, datetime], int],
) -> ComplaintFigures:
    """The figures of `month` (module docstring): `received` the complaints received in it, `touched` every
    complaint with an event in it by id, `in_month` those events, `working_days(received, paid)` the count after
    the receipt's day up to and including the payment's (adapter/complaints/working_days.py
    small_claim_working_days)."""
    received = list(received)
    events = sorted(in_month, key=lambda e: (from_db(e.at), e.id or 0))
    firsts: dict[tuple[str, str], ReportComplaintEvent] = {}
    for e in events:
        firsts.setdefault((e.event, e.complaint_id), e)

    def having(event: ComplaintEvent) -> list[ReportComplaintEvent]:
        return [e for (name, _), e in firsts.items() if name == event.value]

    forwarded = having(ComplaintEvent.FORWARD)
    same_day = [e for e in forwarded if e.complaint_id in touched and _same_day(touched[e.complaint_id], e)]
    decided = [touched[e.complaint_id] for e in having(ComplaintEvent.DECIDE) if e.complaint_id in touched]
    paid = [touched[e.complaint_id] for e in having(ComplaintEvent.SMALL_CLAIM_PAID) if e.complaint_id in touched]
    settled = {c.id: c for c in decided if c.decision_result in SETTLING} | {c.id: c for c in paid}
    days = [working_days(c.received_at, c.paid_at) for c in paid if c.paid_at is not None]
    return ComplaintFigures(
        received=len(received),
        forwarded=len(forwarded),
        forwarded_same_day=len(same_day),
        settled=len(settled),
        settled_amount=sum((_money(c.remedy_amount) for c in settled.values()), ZERO),
        small_claims=len(having(ComplaintEvent.SMALL_CLAIM_DECIDE)),
        small_claim_days_avg=None
        if not days
        else (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1"), ROUND_HALF_UP),
        to_mediation=len(having(ComplaintEvent.CONVERT_TO_MEDIATION)),
        tables=(
            _by("complaints_by_channel", "Complaints by channel 投诉渠道", "channel", received, CHANNELS, "channel"),
            _by(
                "complaints_by_institution_type",
                "Complaints by institution type 机构类型",
                "institution type",
                received,
                INSTITUTION_KINDS,
                "institution_kind",
            ),
            table(
                "complaints_by_business",
                "Complaints by business line 业务类别",
                "business line",
                Counter(business_line(c.institution_kind, c.business) for c in received),
            ),
            table(
                "complaints_by_institution",
                "Complaints by institution 被投诉机构",
                "institution",
                Counter(c.institution_name for c in received),
            ),
            _by("complaints_by_track", "Complaints by track 处理方式", "track", received, TRACKS, "track"),
        ),
    )


def _by(
    key: str, title: str, column: str, received: list[ReportComplaint], labels: dict[str, str], attribute: str
) -> Table:
    return table(
        key, title, column, Counter(labels.get(getattr(c, attribute), getattr(c, attribute)) for c in received)
    )


def business_line(kind: str, code: str) -> str:
    """The business line of a business code: its top-level code and name in the shipped code table for the
    institution's kind (reference/complaint_codes.py: `B0302` → "B03 银行卡类"); the code itself if no shipped
    table lists it."""
    for codes in complaint_codes.shipped_tables():
        if codes.institution_kind.value == kind and codes.knows("business", code):
            top = code
            while (above := codes.parent(top)) is not None:
                top = above
            return f"{top} {codes.codes['business'][top]}"
    return code


def _china_day(at: datetime) -> date:
    return from_db(at).astimezone(CHINA).date()


def _same_day(complaint: ReportComplaint, forward: ReportComplaintEvent) -> bool:
    return _china_day(forward.at) == _china_day(complaint.received_at)


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value)).quantize(ZERO) if value is not None else ZERO
    except InvalidOperation:
        return ZERO
