"""The SPC platform's monthly statistics reconciled with ours (partners.md §4 "Guards": our counts reconciled with
the platform's): our counts from the roster records held (adapter/partners/roster/spec.py `our_counts`:
organisations and mediators certified now, registrations registered in the month, China time), the platform's from
its statistics page (PartnerPort.statistics), each difference reported — never silently "fixed": which side is
wrong is found by reconciling the records themselves (query_status, repair).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import select

from adapter.errors import InvalidRequest
from adapter.partners.roster.spec import differences, our_counts
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerRecordRow
from connectors.partner_port import PartnerPort
from schemas.partner import PartnerKind

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class StatsReport:
    """One month's reconciliation: ours, the platform's (None: it keeps none) and key → (ours, theirs) where they
    differ."""

    month: str
    ours: Mapping[str, int]
    theirs: Mapping[str, int] | None
    differences: Mapping[str, tuple[int, int]]


def reconcile_statistics(uow: UnitOfWork, port: PartnerPort, month: str) -> StatsReport:
    """Our counts and the platform's for `month` ("YYYY-MM"); InvalidRequest(field "month") for another shape; the
    port's TransientError / RejectedError propagate (nothing is written)."""
    if not _MONTH.fullmatch(month):
        raise InvalidRequest(f"month must be YYYY-MM, not {month!r}", field="month", rule="month")
    with uow.begin() as session:
        query = select(PartnerRecordRow).where(
            PartnerRecordRow.kind == PartnerKind.ROSTER.value, PartnerRecordRow.partner == port.name
        )
        records = [store.view(row) for row in session.exec(query)]
    ours = our_counts(records, month)
    theirs = port.statistics(month)
    return StatsReport(month, ours, theirs, {} if theirs is None else differences(ours, theirs))
