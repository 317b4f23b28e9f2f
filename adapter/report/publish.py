"""The monthly report as the configuration asks for it — one call for the CLI, the dashboard and the job, so none
of them can forget the partner clients, the suppression or the scan."""

from adapter.config.settings import Settings
from adapter.deadlines import Deadlines
from adapter.errors import DockingError
from adapter.persistence.engine import UnitOfWork
from adapter.report.desensitise import PublishedReport, desensitise
from adapter.report.model import Month, MonthlyReport
from adapter.report.monthly import compute
from adapter.report.pii import scan
from schemas.clock import Clock


def monthly_report(
    uow: UnitOfWork, month: Month, settings: Settings, clock: Clock, deadlines: Deadlines | None = None
) -> MonthlyReport:
    """compute() with `[report] partner_clients` and the configured deadline engine (`[deadlines]` unless given)."""
    engine = deadlines or Deadlines.from_policy(settings.deadlines)
    return compute(uow, month, clock=clock, deadlines=engine, partner_clients=settings.report.partner_clients)


# Which headline figure each breakdown must sum to (partners.md §5 "Guards": totals cross-foot).
FOOTS = {
    "received_by_source": "received",
    "received_by_court": "received",
    "received_by_cause": "received",
    "received_by_institution": "received",
    "received_by_flow": "received",
    "closed_by_outcome": "closed",
    "messages": "messages_queued",
    "complaints_by_channel": "complaints",
    "complaints_by_institution_type": "complaints",
    "complaints_by_business": "complaints",
    "complaints_by_institution": "complaints",
    "complaints_by_track": "complaints",
}


class TotalsDoNotCrossFoot(DockingError):
    """A breakdown that does not sum to its headline figure: a bug in the report, never exported."""


def cross_foot(report: MonthlyReport) -> MonthlyReport:
    """`report` unchanged if every breakdown sums to its headline figure (FOOTS); TotalsDoNotCrossFoot naming the
    first that does not."""
    for table in report.tables:
        figure = FOOTS.get(table.key)
        if figure is not None and table.total != getattr(report, figure):
            raise TotalsDoNotCrossFoot(
                f"the monthly report {report.month} does not cross-foot: table {table.key!r} sums to {table.total}, "
                f"but {figure} is {getattr(report, figure)}; nothing was exported"
            )
    return report


def publish(report: MonthlyReport, settings: Settings) -> PublishedReport:
    """What may be shown or exported: totals checked (cross_foot), small cells suppressed (`[report] min_cell`),
    then scanned — PiiFound (pii.py) naming the cell if any text holds an ID, mobile or card number."""
    return scan(desensitise(cross_foot(report), settings.report.min_cell))
