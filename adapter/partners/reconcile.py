"""Reconciling a partner by record and by figures (partners.md §0: `status()` repairs what a lost answer left
behind; §4: our counts reconciled with the SPC platform's):

- by record: for each open record of the partner with nothing in flight to it and at least one message of ours
  delivered about it, the partner's status
  (PartnerPort.query_status) against what the kind says it should be (spec.partner_status); a difference is
  reported, and with `repair` the kind's repair messages (spec.repair) are queued in one transaction with a
  `reconcile_repair` history line and an audit row;
  A status is a difference only when the kind says it does not agree with ours (spec.agrees: the partner's coarse
  vocabulary, e.g. the traffic platform's "mediating" for our ACCEPTED, is no difference). A record the partner
  opened that we have not answered yet (nothing of ours delivered about it: a traffic offer not yet accepted or
  declined) is not compared — the partner is asked by our record id, which it learns only from our first message
  (#19) — and counted as `unlinked`;
- by figures: for `month` ("YYYY-MM", China time), the partner's own counts (PartnerPort.statistics; None: it keeps
  none) against ours counted the partner's way (spec.figures over the partner's records — the SPC platform's
  organisations / mediators / registered, the traffic platform's cases offered that month by status), every key
  of either side compared (a count one side lacks reads 0), each differing figure named.
Differences raise the reconciliation alert (adapter/alerts/causes.py reconcile_difference) and a WARNING each; a run
that leaves nothing for a person (none, or all repaired) clears it (partner_reconcile_clean: a figure difference
stays open until a run compares the figures again).
A polled partner's feed is read once before anything disagreeing is reported or repaired (`refresh`): a partner a
step ahead of us, its message on the way, is no difference.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from adapter.alerts import causes as alerts
from adapter.errors import InvalidRequest
from adapter.events import partner_events
from adapter.partners.apply import apply_change
from adapter.partners.spec import Change, PartnerRecord, PartnerSpec
from adapter.partners.specs import spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from adapter.persistence.tables import AuditRow, OutboxStatus
from connectors.partner_port import PartnerPort
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.partners")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
BATCH = 100


@dataclass(frozen=True)
class Difference:
    record_id: str
    status: str  # ours, in the kind's machine
    expected: str  # what the partner should say (spec.partner_status)
    theirs: str | None  # what it says; None: it does not know the record
    action: str  # "repaired" (the kind's repair messages queued) | "report"


@dataclass(frozen=True)
class FigureDifference:
    name: str  # the partner's count, e.g. "registered"
    ours: int
    theirs: int


@dataclass
class Reconciliation:
    partner: str
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    figures: list[FigureDifference] = field(default_factory=list)
    figures_compared: bool = False  # False: no month asked, or the partner keeps no statistics
    unlinked: int = 0  # open records not compared: nothing of ours delivered, the partner cannot know our id yet


def reconcile(
    uow: UnitOfWork, port: PartnerPort, clock: Clock, *, repair: bool = False, month: str | None = None,
    actor: str = "reconcile", refresh: Callable[[], object] | None = None,
) -> Reconciliation:  # fmt: skip
    """Compare `port`'s partner with our records (and, with `month`, its figures with ours); a TransientError
    from the partner propagates (the job retries next time); InvalidRequest(field "month", rule "month") for a month
    not shaped YYYY-MM, before the partner is asked anything.

    `refresh` (a polled partner: read its feed now) is called once when a record disagrees, before anything is
    reported or repaired: a partner a step ahead of us (it accepted; its message saying so is on its feed) is not a
    difference. Those records are then asked about again and compared with what the feed brought; only a status
    that still disagrees is reported (a WARNING, the alert, a centre event) or repaired."""
    if month is not None and not _MONTH.fullmatch(month):
        raise InvalidRequest(f"month must be YYYY-MM, not {month!r}", field="month", rule="month")
    spec = spec_for(port.kind)
    result = Reconciliation(port.name)
    ids, result.unlinked = _open_ids(uow, port.name)
    doubtful: list[str] = []  # disagreeing before the refresh: compared again after it
    for chunk in _batches(ids):
        theirs = port.query_status(chunk)
        for record_id in chunk:
            if refresh is not None:
                agreed = _agrees(uow, spec, record_id, theirs.get(record_id))
                result.checked += agreed is not None
                if agreed is False:
                    doubtful.append(record_id)
                continue
            found = _compare(uow, spec, record_id, theirs.get(record_id), clock(), repair=repair, actor=actor)
            result.checked += found is not False
            if isinstance(found, Difference):
                result.differences.append(found)
    if doubtful and refresh is not None:
        try:
            refresh()
        except Exception as exc:  # a second look that fails (the feed down, refused, a bug) must not hide what
            # disagrees: compared as it stands, as without one (the poll job reports the feed's own trouble)
            log.warning(
                "partner %s: its feed could not be read before comparing again (%s: %s): what disagrees is reported"
                " as it stands",
                port.name,
                type(exc).__name__,
                exc,
            )
        still = set(_open_ids(uow, port.name)[0])  # closed by what came, or now with a message of ours on its way
        for chunk in _batches([r for r in doubtful if r in still]):
            theirs = port.query_status(chunk)
            for record_id in chunk:
                found = _compare(uow, spec, record_id, theirs.get(record_id), clock(), repair=repair, actor=actor)
                if isinstance(found, Difference):
                    result.differences.append(found)
    if month is not None:
        counts = port.statistics(month)
        if counts is not None:
            result.figures_compared = True
            ours = our_figures(uow, spec, port.name, month)
            keys = sorted(set(ours) | set(counts))
            result.figures = [FigureDifference(k, ours.get(k, 0), counts.get(k, 0)) for k in keys
                              if ours.get(k, 0) != counts.get(k, 0)]  # fmt: skip
    with uow.begin() as session:
        connection, now = session.connection(), clock()
        if result.differences or result.figures:
            what = result.differences[0].expected if result.differences else f"{alerts.FIGURE}{result.figures[0].name}"
            alerts.reconcile_difference(connection, platform=port.name, kind=what, at=now)
            _events(connection, result, now)
        if not result.figures and all(d.action == "repaired" for d in result.differences):
            # nothing left for a person: the condition clears, as a court's run ending ok or repaired clears its own
            alerts.partner_reconcile_clean(
                connection, partner=port.name, at=now, figures_compared=result.figures_compared
            )
    return result


def _events(connection: Any, result: Reconciliation, now: datetime) -> None:
    """A centre event per difference (adapter/events/partner_events.py), with the alert."""
    for d in result.differences:
        partner_events.reconcile_difference(connection, partner=result.partner, record_id=d.record_id,
                                            ours=d.expected, theirs=d.theirs, what="record", action=d.action,
                                            at=now)  # fmt: skip
    for f in result.figures:
        partner_events.reconcile_difference(
            connection,
            partner=result.partner,
            record_id=None,
            ours=f.ours,
            theirs=f.theirs,
            what=f"figure:{f.name}",
            action="report",
            at=now,
        )


def _open_ids(uow: UnitOfWork, partner: str) -> tuple[list[str], int]:
    """The partner's records not at rest, with no message of ours still on its way (the partner's view lags ours by
    those: not a difference) and at least one delivered (else the partner cannot know the record by our id: it
    learns it from our first message); and how many open records were left out for that last reason."""
    with uow.begin() as session:
        rows = session.exec(
            select(PartnerRecordRow.record_id).where(
                PartnerRecordRow.partner == partner, col(PartnerRecordRow.closed_at).is_(None)
            )
        ).all()
        in_flight = set(
            session.exec(
                select(PartnerOutboxRow.record_id).where(
                    PartnerOutboxRow.platform == partner, PartnerOutboxRow.status != OutboxStatus.DELIVERED
                )
            ).all()
        )
        # Only the open records' ids, each once: every message ever delivered to the partner would grow without end.
        delivered = set(
            session.exec(
                select(PartnerOutboxRow.record_id)
                .distinct()
                .join(PartnerRecordRow, col(PartnerRecordRow.record_id) == col(PartnerOutboxRow.record_id))
                .where(
                    PartnerOutboxRow.platform == partner,
                    PartnerOutboxRow.status == OutboxStatus.DELIVERED,
                    col(PartnerRecordRow.closed_at).is_(None),
                )
            ).all()
        )
    waiting = [r for r in rows if r not in in_flight]
    return sorted(r for r in waiting if r in delivered), sum(r not in delivered for r in waiting)


def _sending(session: Any, record_id: str) -> bool:
    """Whether a message of ours about `record_id` is not delivered yet (pending, or dead: not the partner's word)."""
    undelivered = select(PartnerOutboxRow.message_id).where(
        PartnerOutboxRow.record_id == record_id, PartnerOutboxRow.status != OutboxStatus.DELIVERED
    )
    return session.exec(undelivered.limit(1)).first() is not None


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


def _agrees(uow: UnitOfWork, spec: PartnerSpec, record_id: str, status: Any) -> bool | None:
    """Whether the partner's `status` agrees with our record (None: nothing is expected of the partner yet); reads
    only."""
    with uow.begin() as session:
        record = store.view(store.get(session, record_id))
    if spec.partner_status(record) is None:
        return None
    return spec.agrees(record, status.status if status is not None else None)


def _compare(
    uow: UnitOfWork, spec: PartnerSpec, record_id: str, status: Any, now: datetime, *, repair: bool, actor: str
) -> Difference | bool:
    """The difference for one record, True when it agrees (or a message of ours to the partner is on its way by
    now), False when nothing is expected of the partner yet."""
    theirs: str | None = status.status if status is not None else None
    with uow.begin() as session:
        row = store.get(session, record_id)
        record = store.view(row)
        expected = spec.partner_status(record)
        if expected is None:
            return False
        if spec.agrees(record, theirs):
            return True
        if _sending(session, record_id):
            # Queued since the record was picked (the centre paid the fee meanwhile): the partner's view lags ours
            # by that message, as for a record left out for it; a repair now would resend what is on its way.
            return True
        action = "report"
        outgoing = spec.repair(record, theirs, now) if repair else ()
        if outgoing:
            detail = f"the partner says {theirs or 'nothing'}, expected {expected}: {len(outgoing)} message(s) queued"
            change = Change(note="reconcile_repair", detail=detail, outgoing=tuple(outgoing))
            apply_change(session, spec, row, change, partner=row.partner, actor=actor, now=now, label="reconcile")
            session.connection().execute(
                insert(AuditRow.__table__),  # type: ignore[attr-defined]
                {"at": to_utc(now), "actor": actor, "action": "repair_partner_record", "subject": record_id,
                 "reason": detail},
            )  # fmt: skip
            action = "repaired"
    log.warning("partner %s: record %s should be %s there, is %s (%s)", row.partner, record_id, expected, theirs,
                action)  # fmt: skip
    return Difference(record_id, record.status, expected, theirs, action)


def our_figures(uow: UnitOfWork, spec: PartnerSpec, partner: str, month: str) -> dict[str, int]:
    """Our figures of `partner` for `month` ("YYYY-MM", China time), counted the partner's way (spec.figures)."""
    records: list[PartnerRecord] = []
    after: str | None = None
    while True:
        with uow.begin() as session:
            rows, after = store.list_records(session, partner=partner, after=after, limit=500)
            records.extend(store.view(row) for row in rows)
        if after is None:
            return spec.figures(records, month)
