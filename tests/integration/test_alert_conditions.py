"""Alert conditions and the persisted platform state on SQLite and PostgreSQL: one alert when a condition opens and
one when it clears, written with its cause (a cause rolled back leaves none); a dead letter or a quarantined item
opens its platform's condition in the transaction that records it, and the evaluation clears it once handled."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import select as select_rows

from adapter.alerts.causes import calendar_coverage
from adapter.alerts.conditions import ALERTS, CONDITIONS, change
from adapter.alerts.evaluate import evaluate
from adapter.alerts.kinds import AlertKind
from adapter.config.settings import Settings
from adapter.inbox.quarantine import resolve
from adapter.inbox.refusal import keep
from adapter.outbox.dead_letters import replay_dead
from adapter.outbox.delivery import deliver_due
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.registry import PlatformLink
from adapter.platforms.state_store import FEEDS, PLATFORMS, PlatformStates
from adapter.status import collect
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed, RawInbound, RejectedError
from signing.jws import JwsVerifier
from tests.support.cases import T0, pending_cases

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _alerts(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """The alerts written so far as (kind, subject, state), oldest first."""
    with uow.begin() as session:
        rows = session.connection().execute(select(ALERTS).order_by(ALERTS.c.id))
        return [(r.kind, r.subject, r.state) for r in rows]


def test_a_condition_alerts_once_when_it_opens_and_once_when_it_clears(uow: UnitOfWork) -> None:
    """Open, open, clear, clear, open: three alerts; a one-shot kind alerts once and is never left open."""
    steps = [True, True, False, False, True]
    with uow.begin() as session:
        c = session.connection()
        written = [change(c, AlertKind.HELD, "court", opened=o, at=T0) is not None for o in steps]
        for _ in range(2):
            change(c, AlertKind.DEADLINE_PASSED, "MC-1:acceptance", opened=True, at=T0)
    assert written == [True, False, True, False, True]
    assert _alerts(uow) == [
        ("held", "court", "opened"),
        ("held", "court", "closed"),
        ("held", "court", "opened"),
        ("deadline_passed", "MC-1:acceptance", "opened"),
    ]
    with uow.begin() as session:
        open_now = session.connection().execute(select(CONDITIONS.c.kind).where(CONDITIONS.c.open.is_(True)))
        assert sorted(open_now.scalars()) == ["held"]


def test_a_missing_calendar_year_says_what_to_do(uow: UnitOfWork) -> None:
    """The condition's detail (what `docking status` shows) names the year and the setting to fill, not blank."""
    calendar_coverage(uow, lambda: T0, [2026, 2027], [2027])
    with uow.begin() as session:
        rows = session.connection().execute(select(CONDITIONS.c.subject, CONDITIONS.c.detail).where(CONDITIONS.c.open))
        details: dict[str, str] = {row.subject: row.detail for row in rows}
    assert list(details) == ["2027"] and "add 2027 to [deadlines] holiday_file" in details["2027"]


def test_a_cause_rolled_back_leaves_no_alert(uow: UnitOfWork) -> None:
    """The condition and its alert are in the cause's transaction."""
    with pytest.raises(RuntimeError), uow.begin() as session:
        change(session.connection(), AlertKind.QUARANTINE, "court", opened=True, at=T0)
        raise RuntimeError("the cause failed")
    assert _alerts(uow) == []


def test_a_dead_letter_opens_its_condition_and_a_replay_then_the_evaluation_clears_it(
    uow: UnitOfWork, database_url: str
) -> None:
    """Two messages refused (two dead letters): one alert; replayed and delivered: the evaluation clears it."""
    pending_cases(uow, 2)
    court = FakeCourtPlatform("court")
    court.fail_next(RejectedError("court", "E400", "bad"), RejectedError("court", "E400", "bad"))
    platforms = {"court": PlatformLink(court, JwsVerifier({}))}
    assert deliver_due(uow, platforms, lambda: T0) == {"dead": 2}
    assert _alerts(uow) == [("dead_letters", "court", "opened")]
    settings = Settings(database_url=database_url)
    clock = lambda: T0 + timedelta(minutes=1)  # noqa: E731
    assert evaluate(uow, settings, clock) == 0  # still dead: nothing new
    replay_dead(uow, platform=None, since=None, actor="ops", reason="court fixed", now=clock())
    assert deliver_due(uow, platforms, clock) == {"delivered": 2}
    assert evaluate(uow, settings, clock) == 1 and evaluate(uow, settings, clock) == 0
    assert _alerts(uow)[-1] == ("dead_letters", "court", "closed")


def test_the_platform_state_is_written_on_change_for_other_processes(uow: UnitOfWork, database_url: str) -> None:
    """Breaker and hold transitions and a poll's outcome land in the tables `docking status` reads."""
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    states = PlatformStates(uow, lambda: now, "host:1:tok")
    states.started(["court"])
    states.breaker("court", "opened")
    states.hold("court", "held", "held: the court refuses our credentials (401: who are you)")
    states.polled("court", Feed.DISPATCHES, None)
    states.polled("court", Feed.DECISIONS, "HTTP 503")
    with uow.begin() as session:
        c = session.connection()
        (row,) = c.execute(select(PLATFORMS))
        feeds = {r.feed: r for r in c.execute(select(FEEDS))}
    assert (row.breaker, row.held, row.holder) == ("open", True, "host:1:tok")
    assert feeds["dispatches"].last_success_at is not None and feeds["decisions"].last_error == "HTTP 503"
    (court,) = collect(uow, Settings(database_url=database_url), lambda: now).platforms
    assert court.breaker == "open" and court.held and "refuses our credentials" in court.held_reason
    states.breaker("court", "closed")
    states.hold("court", "released", "")
    (court,) = collect(uow, Settings(database_url=database_url), lambda: now).platforms
    assert court.breaker == "closed" and not court.held and court.held_since is None


def test_a_quarantined_item_opens_its_condition_once_and_resolving_the_last_clears_it(
    uow: UnitOfWork, database_url: str
) -> None:
    """Two items kept: one alert; both resolved: the evaluation clears it."""
    with uow.begin() as session:
        for n in range(2):
            item = RawInbound(f"not json {n}".encode(), {})
            keep(session, "court", "dispatches", item, lambda: T0, "unparseable", "not JSON", None)
    assert _alerts(uow) == [("quarantine", "court", "opened")]
    settings = Settings(database_url=database_url)
    clock = lambda: T0 + timedelta(minutes=1)  # noqa: E731
    with uow.begin() as session:
        ids = [row.id for row in session.exec(select_rows(QuarantineRow))]
    for quarantine_id in ids:
        resolve(uow, quarantine_id, actor="ops", note="court re-sent it", now=clock())
    assert evaluate(uow, settings, clock) == 1
    assert _alerts(uow)[-1] == ("quarantine", "court", "closed")
