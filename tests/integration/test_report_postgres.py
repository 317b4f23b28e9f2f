"""The known month's report on PostgreSQL equals the same hand-computed figures as on SQLite (test_report.py):
the queries, the UTC bounds of a China-time month and the Decimal sums do not depend on the backend."""

import pytest

from adapter.persistence.engine import UnitOfWork
from adapter.report import compute
from tests.support import report_data
from tests.support.report_data import COMPUTED, HEADLINE, NOVEMBER, TABLES

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "postgres"


def test_the_known_month_on_postgresql_equals_the_hand_computed_figures(uow: UnitOfWork) -> None:
    report_data.build(uow)
    report = compute(uow, NOVEMBER, clock=lambda: COMPUTED, partner_clients=[report_data.PARTNER])
    assert {f.key: f.value for f in report.headline()} == HEADLINE
    assert {t.key: dict(t.rows) for t in report.tables} == TABLES
