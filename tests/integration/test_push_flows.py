"""Every flow of domain.md §2 through a court that pushes (tests/support/flows.py FLOWS): its dispatches, rulings
and receipts of our messages POSTed to the push intake, the centre's side of every step over the HTTP centre API,
our messages delivered to the court as before. On SQLite and on PostgreSQL."""

import pytest
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.persistence.tables import AuditRow, OutboxRow
from adapter.reconcile import reconcile
from sandbox.push import PushCourt
from scheduler import Runtime
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.flows import FLOWS, Flow, run_flow
from tests.support.push import PushSide, push_settings

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    return push_settings(database_url, court, encryption)


@pytest.mark.parametrize("flow", FLOWS, ids=[f.name for f in FLOWS])
def test_every_flow_through_a_pushing_court(
    flow: Flow, runtime: Runtime, court: Court, centre: Api, api_base: str, api_keys: dict[str, str]
) -> None:
    pusher = PushCourt(court.core, api_base, api_keys["court:court"], platform=PLATFORM)
    case_id = run_flow(flow, centre, PushSide(runtime, court, pusher), court)
    # the court's receipt of every message we sent it was taken in, one audit row each; nothing in quarantine
    with runtime.uow.begin() as session:
        sent = session.exec(select(OutboxRow.message_id).where(OutboxRow.case_id == case_id)).all()
        said = session.exec(select(AuditRow.subject).where(AuditRow.action == "court-receipt")).all()
    assert sorted(said) == sorted(sent)
    report = reconcile(runtime.uow, runtime.platforms)
    assert report.differences == [] and report.in_flight == 0
