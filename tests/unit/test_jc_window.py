"""The JC window is decided by the one deadline engine: the use case fails closed where the engine sees no window
(tests/integration/test_jc_window.py holds it to the sweep's view of the same window)."""

from datetime import datetime, timedelta

import pytest

from adapter.deadlines import Deadlines
from adapter.errors import InvalidRequest
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from schemas.clock import CHINA
from tests.support import samples


def _at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=CHINA)


def test_an_agreement_from_an_earlier_round_of_mediation_opens_no_window() -> None:
    """Fail closed: a case back at AGREEMENT_EFFECTIVE after a rejected JC and re-mediation, still carrying the
    first round's agreement (no new one recorded), is refused rather than checked against no window at all."""
    store = FakeCaseStore()
    clock = FakeClock(_at("2026-03-01", 9))
    services = CentreServices(store, clock, deadlines=Deadlines())
    case_id = samples.settled_case(store, services, clock, clock.now + timedelta(hours=3, minutes=5))
    services.apply_jc(case_id, "张三", "某某银行股份有限公司")
    clock.now += timedelta(days=10)
    with store.begin() as cases:  # the court rejects; the centre mediates again and the parties re-sign
        case = cases.get(case_id)
        for event in (Event.JC_REJECTED, Event.REMEDIATE, Event.DRAFT_AGREEMENT, Event.LAST_PARTY_SIGNS):
            clock.now += timedelta(minutes=1)
            cases.transition(case, event, actor="test", at=clock.now)
    with pytest.raises(InvalidRequest, match="earlier round of mediation"):
        services.apply_jc(case_id, "张三", "某某银行股份有限公司")
