"""The docking partners' figures of the monthly report, per partner (partners.md §2–§4, §5): counted from the
records' list columns and their history (event and note names) — never their sealed facts. Pure: the records and
their history in, the figures out; reading them is `read` below.

How each is counted ("in the month": start ≤ t < end, China time; a record counts once per figure):
- traffic (道交一体化, §2): offered — records opened in the month (the platform's offers); accepted, declined,
  agreements (调解协议 effective), claims paid, part-paid, refused (the insurer's answer, 保险法 Art 23) — records
  whose history has that event in the month; amounts (Decimal yuan, the record's amount column): claimed over the
  offers received, agreed over the agreements reached;
- arbitration (仲调对接, §3): applications submitted, entrusted by a commission, accepted, refused, instruments
  issued (an award on agreed terms or a 调解书), effective (the last party signed for the 调解书), set aside;
- roster (总对总, §4): organisations and mediators active at the month's end (the status then: ACTIVE or
  CERTIFIED); records alerted by the deadline sweep in the month (a term ending, a registration due), entries
  expired; registrations made.
Counts are tables by partner (`personal`: small cells suppressed on export, desensitise.py); amounts are headline
figures per partner.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.sql.schema import Table as SqlTable
from sqlmodel import Session

from adapter.persistence.partner_tables import PartnerEventRow, PartnerRecordRow
from adapter.report.model import Figure, Month, Table, table
from schemas.clock import from_db

ZERO = Decimal("0.00")
_RECORDS: SqlTable = PartnerRecordRow.__table__  # type: ignore[attr-defined]
_EVENTS: SqlTable = PartnerEventRow.__table__  # type: ignore[attr-defined]
OPENED = "(opened)"  # a pseudo event: the record was opened in the month
AT_END = "(at end)"  # a pseudo event: counted by the status at the month's end
_USCC = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}")  # GB 32100: an organisation's subject


@dataclass(frozen=True)
class Rule:
    """One figure: `events` the history event or note names that count a record (OPENED: opened in the month;
    AT_END: its status at the month's end is one of `statuses`); `entity` limits a roster figure to organisations
    ("organisation": the subject is a USCC) or mediators."""

    key: str
    label: str
    events: frozenset[str]
    statuses: frozenset[str] = frozenset()
    entity: str | None = None


def _rule(key: str, label: str, *events: str, statuses: Iterable[str] = (), entity: str | None = None) -> Rule:
    return Rule(key, label, frozenset(events), frozenset(statuses), entity)


ACTIVE = ("ACTIVE", "CERTIFIED")
COUNTS: dict[str, tuple[str, tuple[Rule, ...]]] = {
    "traffic": ("Traffic platform 道交一体化", (
        _rule("offered", "offers received 推送", OPENED), _rule("accepted", "accepted 接收", "accept"),
        _rule("declined", "declined 退回", "decline"), _rule("agreements", "agreements 调解成功", "agree"),
        _rule("claims_paid", "claims paid 理赔", "pay"),
        _rule("claims_part_paid", "claims part-paid 部分理赔", "part_pay"),
        _rule("claims_refused", "claims refused 拒赔", "refuse"),
    )),
    "arbitration": ("Arbitration 仲调对接", (
        _rule("applications", "applications 申请", "submit"), _rule("entrusted", "entrusted to us 委托调解", "entrust"),
        _rule("accepted", "accepted 受理", "accept"), _rule("refused", "refused 不予受理", "refuse"),
        _rule("instruments", "instruments issued 出具文书", "issue_award", "issue_statement"),
        _rule("effective", "effective 生效", "all_signed"), _rule("set_aside", "set aside 撤销", "rule_set_aside"),
    )),
    "roster": ("SPC roster 总对总", (
        _rule("organisations_active", "organisations active 调解组织", AT_END, statuses=ACTIVE, entity="organisation"),
        _rule("mediators_active", "mediators active 调解员", AT_END, statuses=ACTIVE, entity="mediator"),
        _rule("alerted", "records alerted (a term ending, a registration due) 期限预警", "deadline_alert"),
        _rule("expired", "entries expired 任期届满", "expire"),
        _rule("registrations", "registrations made 登记", "register"),
    )),
}  # fmt: skip
AMOUNTS: dict[str, tuple[Rule, ...]] = {
    "traffic": (_rule("amount_claimed", "amount claimed, offers received 推送标的", OPENED),
                _rule("amount_agreed", "amount agreed 调解金额", "agree")),
}  # fmt: skip


@dataclass(frozen=True)
class ReportPartnerRecord:
    """A partner record as the report reads it: list columns only (its facts stay sealed, unread)."""

    record_id: str
    kind: str
    partner: str
    status: str  # now
    subject: str
    amount: str | None
    opened_at: datetime


@dataclass(frozen=True)
class ReportPartnerEvent:
    record_id: str
    at: datetime
    name: str  # the event, else the note
    from_status: str


@dataclass(frozen=True)
class PartnerFigures:
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]


def partner_figures(
    month: Month, records: Iterable[ReportPartnerRecord], events: Iterable[ReportPartnerEvent]
) -> PartnerFigures:
    """The figures of `month` (module docstring): `records` every partner record opened before the month's end,
    `events` their history from the month's start on (later entries say what the status was at its end)."""
    start, end = month.start, month.end
    records = list(records)
    in_month: dict[str, set[str]] = defaultdict(set)
    status_at_end = {r.record_id: r.status for r in records}
    for e in sorted(events, key=lambda e: from_db(e.at), reverse=True):  # the earliest after the end wins
        at = from_db(e.at)
        if at >= end:
            status_at_end[e.record_id] = e.from_status
        elif at >= start:
            in_month[e.record_id].add(e.name)
    for r in records:
        if start <= from_db(r.opened_at) < end:
            in_month[r.record_id].add(OPENED)
        in_month[r.record_id].add(AT_END)

    def counted(r: ReportPartnerRecord, rule: Rule) -> bool:
        if rule.entity is not None and (rule.entity == "organisation") != bool(_USCC.fullmatch(r.subject)):
            return False
        if rule.statuses and status_at_end[r.record_id] not in rule.statuses:
            return False
        return bool(rule.events & in_month[r.record_id])

    tables, figures = [], []
    kinds = sorted({r.kind for r in records} & set(COUNTS))
    for kind in kinds:
        title, rules = COUNTS[kind]
        mine = [r for r in records if r.kind == kind]
        for rule in rules:
            counts = Counter(r.partner for r in mine if counted(r, rule))
            tables.append(table(f"partner_{kind}_{rule.key}", f"{title}: {rule.label}", "partner", counts))
        for rule in AMOUNTS.get(kind, ()):
            for partner in sorted({r.partner for r in mine}):
                total = sum((_money(r.amount) for r in mine if r.partner == partner and counted(r, rule)), ZERO)
                figures.append(Figure(f"partner.{partner}.{rule.key}", f"{partner}: {rule.label}", total, "yuan"))
    return PartnerFigures(tuple(tables), tuple(figures))


def read(
    session: Session, start: datetime, end: datetime
) -> tuple[list[ReportPartnerRecord], list[ReportPartnerEvent]]:
    """The records opened before `end` (list columns only) and their history from `start` on (UTC bounds)."""
    r, e, connection = _RECORDS.c, _EVENTS.c, session.connection()
    rows = connection.execute(
        select(r.record_id, r.kind, r.partner, r.status, r.subject, r.amount, r.opened_at).where(r.opened_at < end)
    )
    records = [ReportPartnerRecord(*row) for row in rows]
    history = connection.execute(
        select(e.record_id, e.at, e.event, e.note, e.from_status).where(e.at >= start).order_by(e.id)
    )
    events = [ReportPartnerEvent(rid, at, event or note or "", before) for rid, at, event, note, before in history]
    return records, events


def _money(value: str | None) -> Decimal:
    try:
        return Decimal(value).quantize(ZERO) if value is not None else ZERO
    except InvalidOperation:
        return ZERO
