"""The monthly report's shape (partners.md §5 "Published figures"): a Month, headline Figures, breakdown Tables.

This is what the CLI, the dashboard and the job on the 1st read; its keys are stable names, its labels English
with the regulator's Chinese term. Counts are ints, money Decimal yuan (never float), rates Decimal percent to two
places, times China time ("CST").

    MonthlyReport
    ├── month: Month                       2026-10: [start, end) China time
    ├── computed_at: datetime              China time
    ├── counts, amounts, handling days     see the field comments
    ├── tables: tuple[Table, ...]          key, title, column, rows ((label, count), …), personal
    └── headline() → tuple[Figure, ...]    key, label, value (int | Decimal | None), unit
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from adapter.errors import DockingError
from schemas.clock import CHINA, from_db

TWO_PLACES = Decimal("0.01")


class InvalidMonth(DockingError):
    """A month that is not YYYY-MM (or not a month at all); the message names the input."""


_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in China time; `start` ≤ t < `end`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """'2026-10' → Month(2026, 10); InvalidMonth naming `text` otherwise."""
        found = _MONTH.fullmatch(text.strip())
        if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2999:
            raise InvalidMonth(f"month {text!r} is not a month in the form YYYY-MM (e.g. 2026-10), years 2000–2999")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def containing(cls, at: datetime) -> "Month":
        china = from_db(at).astimezone(CHINA)
        return cls(china.year, china.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> "Month":
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> "Month":
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=CHINA)

    @property
    def end(self) -> datetime:
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Figure:
    """One headline number. `value` None: not defined this month (e.g. a rate with nothing closed)."""

    key: str
    label: str
    value: int | Decimal | None
    unit: str  # "cases", "%", "yuan", "working days", "deadlines", "messages", "items"


@dataclass(frozen=True)
class Table:
    """A breakdown: counts by `column` (source, court, cause, …), largest first then by label. `personal`: the
    counts are of cases (so of people), and small cells are suppressed on export (desensitise.py)."""

    key: str
    title: str
    column: str
    rows: tuple[tuple[str, int], ...]
    personal: bool = True

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)


def table(key: str, title: str, column: str, counts: dict[str, int], *, personal: bool = True) -> Table:
    """A Table from counts, largest first, ties by label (so the same data always gives the same rows)."""
    rows = tuple(sorted(((label, n) for label, n in counts.items()), key=lambda r: (-r[1], r[0])))
    return Table(key, title, column, rows, personal)


@dataclass(frozen=True)
class MonthlyReport:
    """A month's figures (monthly.py says how each is counted, with its source)."""

    month: Month
    computed_at: datetime
    received: int  # cases registered in the month (all sources)
    accepted: int  # cases accepted in the month
    declined: int
    acceptance_overdue: int  # cases whose 3 working days passed unanswered in the month
    closed: int  # mediations ended in the month: agreement effective, or a failure outcome (codes 2–8)
    successful: int  # of those closed: outcome 1, an agreement reached in the mediation (monthly.py)
    jc_applied: int
    jc_confirmed: int
    jc_rejected: int
    jc_not_accepted: int
    jc_withdrawn: int
    amount_claimed: Decimal  # yuan: the amounts of the cases received in the month
    amount_settled: Decimal  # yuan: the agreements' monetary totals of the cases settled in the month
    handling_days_mean: Decimal | None  # working days, receipt to close, of the cases closed; one place
    handling_days_median: Decimal | None
    deadlines_met: int  # deadlines that came to rest in the month: met in time
    deadlines_missed: int  # … late or lapsed
    deadline_alerts: int  # cases alerted (due soon / overdue) in the month
    messages_queued: int  # messages to courts created in the month
    messages_delivered: int  # delivered in the month (whenever queued)
    messages_pending: int  # of those queued in the month, still pending now
    messages_dead: int  # of those queued in the month, dead now
    quarantined: int  # inbound items quarantined in the month
    tables: tuple[Table, ...] = field(default=())
    # Complaints forwarded to institutions (complaint_figures.py has each definition); defaults for reports stored
    # before complaints were counted.
    complaints: int = 0  # received in the month
    complaints_forwarded: int = 0
    complaints_forwarded_same_day: int = 0
    complaints_settled: int = 0
    complaints_settled_amount: Decimal = Decimal("0.00")  # yuan
    small_claims: int = 0
    small_claim_working_days_avg: Decimal | None = None  # working days, receipt to payment; one place
    complaints_to_mediation: int = 0
    # The docking partners' amounts per partner (partner_figures.py; their counts are tables): keys
    # "partner.<name>.<figure>", Decimal yuan.
    partner_figures: tuple[Figure, ...] = ()

    @property
    def success_rate(self) -> Decimal | None:
        """Percent, two places: successful ÷ closed in the month (partners.md §5 "Success rate": 340/482 =
        70.54 % [P67a]) — not ÷ received or accepted. None when nothing closed."""
        return None if not self.closed else (Decimal(100 * self.successful) / self.closed).quantize(TWO_PLACES)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def headline(self) -> tuple[Figure, ...]:
        """The headline figures in the order the regulator's reports give them [P67a][P67b]."""
        cases = [
            ("received", "Cases received 收案"),
            ("accepted", "Accepted 受理"),
            ("declined", "Declined 不予受理"),
            ("acceptance_overdue", "Acceptance overdue 超期未确认"),
            ("closed", "Closed 结案"),
            ("successful", "Successful 调解成功"),
        ]
        figures = [Figure(key, label, getattr(self, key), "cases") for key, label in cases]
        figures.append(Figure("success_rate", "Success rate 调解成功率 (successful ÷ closed)", self.success_rate, "%"))
        jc = [
            ("jc_applied", "JC applied 申请司法确认"),
            ("jc_confirmed", "JC confirmed 确认有效"),
            ("jc_rejected", "JC rejected 驳回"),
            ("jc_not_accepted", "JC not accepted 不予受理"),
            ("jc_withdrawn", "JC withdrawn 撤回"),
        ]
        figures += [Figure(key, label, getattr(self, key), "cases") for key, label in jc]
        figures += [
            Figure("amount_claimed", "Amount claimed 标的金额", self.amount_claimed, "yuan"),
            Figure("amount_settled", "Amount settled 调解金额", self.amount_settled, "yuan"),
            Figure("handling_days_mean", "Handling time, mean 平均办理时长", self.handling_days_mean, "working days"),
            Figure(
                "handling_days_median",
                "Handling time, median 办理时长中位数",
                self.handling_days_median,
                "working days",
            ),
            Figure("deadlines_met", "Deadlines met 按期", self.deadlines_met, "deadlines"),
            Figure("deadlines_missed", "Deadlines missed 超期", self.deadlines_missed, "deadlines"),
            Figure("deadline_alerts", "Cases with deadline alerts 期限预警", self.deadline_alerts, "cases"),
            Figure("messages_queued", "Messages to courts queued 发送消息", self.messages_queued, "messages"),
            Figure("messages_delivered", "Messages delivered 已送达", self.messages_delivered, "messages"),
            Figure("messages_pending", "Messages still pending 待送达", self.messages_pending, "messages"),
            Figure("messages_dead", "Messages dead 投递失败", self.messages_dead, "messages"),
            Figure("quarantined", "Inbound items quarantined 隔离", self.quarantined, "items"),
        ]
        return tuple(figures) + self._complaint_figures() + self.partner_figures

    def _complaint_figures(self) -> tuple[Figure, ...]:
        """The complaint figures of partners.md §5 [P67a][P67b], after the mediation ones."""
        counted = [
            ("complaints", "Complaints received 投诉受理"),
            ("complaints_forwarded", "Complaints forwarded 转办"),
            ("complaints_forwarded_same_day", "Forwarded the same day 当日转办"),
            ("complaints_settled", "Complaints settled 投诉化解"),
        ]
        figures = [Figure(key, label, getattr(self, key), "complaints") for key, label in counted]
        figures += [
            Figure(
                "complaints_settled_amount",
                "Amount settled, complaints 投诉化解金额",
                self.complaints_settled_amount,
                "yuan",
            ),
            Figure("small_claims", "Small claims decided 小额快速处理", self.small_claims, "complaints"),
            Figure(
                "small_claim_working_days_avg",
                "Small claims, mean time to payment 小额平均办理时长",
                self.small_claim_working_days_avg,
                "working days",
            ),
            Figure(
                "complaints_to_mediation", "Converted to mediation 转调解", self.complaints_to_mediation, "complaints"
            ),
        ]
        return tuple(figures)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings (exact), times ISO 8601 with +08:00."""
        return {
            "month": str(self.month),
            "computed_at": self.computed_at.isoformat(),
            "zone": "CST (UTC+08:00)",
            "figures": {f.key: _json_value(f.value) for f in self.headline()},
            "partner_figures": [{"key": f.key, "label": f.label, "unit": f.unit} for f in self.partner_figures],
            "tables": [
                {"key": t.key, "title": t.title, "column": t.column, "personal": t.personal, "rows": list(t.rows)}
                for t in self.tables
            ],
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> "MonthlyReport":
        """The inverse of to_dict (a stored report, store.py)."""
        figures = dict(body["figures"])
        figures.pop("success_rate", None)  # derived
        partner_figures = tuple(
            Figure(f["key"], f["label"], _decimal(figures.pop(f["key"], None)), f["unit"])
            for f in body.get("partner_figures", [])
        )
        money = {"amount_claimed", "amount_settled", "complaints_settled_amount"}
        days = {"handling_days_mean", "handling_days_median", "small_claim_working_days_avg"}
        values: dict[str, Any] = {}
        for key, value in figures.items():
            values[key] = Decimal(value) if key in money or (key in days and value is not None) else value
        tables = tuple(
            Table(t["key"], t["title"], t["column"], tuple((str(r[0]), int(r[1])) for r in t["rows"]), t["personal"])
            for t in body["tables"]
        )
        return cls(
            month=Month.parse(body["month"]),
            computed_at=datetime.fromisoformat(body["computed_at"]),
            tables=tables,
            partner_figures=partner_figures,
            **values,
        )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _json_value(value: int | Decimal | None) -> int | str | None:
    return str(value) if isinstance(value, Decimal) else value
