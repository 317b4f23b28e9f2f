"""The monthly report's partner figures read from a real database, SQLite and PostgreSQL (adapter/report/monthly.py
over adapter/report/partner_figures.py): the toy kind's records (registered as the traffic kind) opened and answered
in November counted per partner, their amounts in Decimal yuan, later months apart — without the data key (the
facts stay sealed: the report reads list columns and history only)."""

from decimal import Decimal

import pytest

from adapter.persistence.engine import UnitOfWork, make_engine
from adapter.report.model import Month
from adapter.report.monthly import compute
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.toy_partner import toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


def test_the_months_partner_figures_are_counted_per_partner_without_the_data_key(w: PartnerWorld) -> None:
    first = w.file(amount="100.10").record.record_id
    w.file(amount="200.20")
    w.act("accept", first, {})
    w.advance(days=30)  # December
    w.file(amount="999.00")
    blind = UnitOfWork(make_engine(str(w.uow.engine.url.render_as_string(hide_password=False))))  # no vault
    try:
        november = compute(blind, Month(2026, 11), clock=w.clock)
        december = compute(blind, Month(2026, 12), clock=w.clock)
    finally:
        blind.engine.dispose()
    assert november.table("partner_traffic_offered").rows == ((PARTNER, 2),)
    assert november.table("partner_traffic_accepted").rows == ((PARTNER, 1),)
    assert november.table("partner_traffic_declined").rows == ()
    amounts = {f.key: f.value for f in november.partner_figures}
    assert amounts[f"partner.{PARTNER}.amount_claimed"] == Decimal("300.30")
    assert december.table("partner_traffic_offered").rows == ((PARTNER, 1),)
    assert december.table("partner_traffic_accepted").rows == ()
