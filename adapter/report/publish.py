"""The monthly report as the configuration asks for it — one call for the CLI, the dashboard and the job, so none
of them can forget the partner clients, the suppression or the scan."""

from adapter.config.settings import Settings
from adapter.deadlines import Deadlines
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


def publish(report: MonthlyReport, settings: Settings) -> PublishedReport:
    """What may be shown or exported: small cells suppressed (`[report] min_cell`), then scanned — PiiFound
    (pii.py) naming the cell if any text holds an ID, mobile or card number."""
    return scan(desensitise(report, settings.report.min_cell))
