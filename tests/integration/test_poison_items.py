"""One poison item never stops a feed: it is quarantined with its bytes and reason, the cursor moves past it, the
dispatches around it are applied, and the next poll is quiet — on SQLite and on PostgreSQL. A page too large to
read is asked for in smaller pages; a single item too large is held at its cursor with one alert."""

import base64
import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from sqlmodel import select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, CursorRow, QuarantineRow
from connectors.port import Feed
from scheduler import Runtime, build_runtime
from tests.support.court import PLATFORM, Court
from tests.support.poisons import POISONS, genuine, signed
from tests.support.runtime import pump

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _quarantine(runtime: Runtime) -> list[QuarantineRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(QuarantineRow)).all())


def _cursor(runtime: Runtime, feed: Feed) -> str:
    with runtime.uow.begin() as session:
        row = session.get(CursorRow, (PLATFORM, feed.value))
        return row.value if row else ""


def _cases(runtime: Runtime) -> set[str]:
    with runtime.uow.begin() as session:
        return {case.platform_case_id for case in session.exec(select(CaseRow)).all()}


@pytest.mark.parametrize("poison", list(POISONS.values()), ids=list(POISONS))
def test_a_poison_item_between_two_good_dispatches_is_quarantined_and_passed(
    runtime: Runtime, court: Court, poison: Callable[[Court], tuple[str, bytes]]
) -> None:
    """Both good dispatches are applied, the poison is kept with its exact bytes and reason, the cursor is past it,
    and the next poll finds nothing more to do."""
    (before,) = court.core.dispatch(1, "01")
    reason, raw = poison(court)
    (after,) = court.core.dispatch(1, "02")
    pump(runtime, 1)
    assert _cases(runtime) == {before, after}
    (row,) = _quarantine(runtime)
    assert (row.reason, row.raw, row.feed) == (reason, raw, "dispatches")
    assert "\x00" not in row.detail and (row.message_id or "").isprintable()
    assert _cursor(runtime, Feed.DISPATCHES) == "3"
    assert runtime.metrics.get("poll_errors") == 0
    pump(runtime, 1)
    assert len(_quarantine(runtime)) == 1 and runtime.metrics.get("poll_errors") == 0
    assert runtime.metrics.get("inbound_applied") == 2


def _big_item(court: Court, size: int) -> bytes:
    """An authentic item of `size` bytes (a dispatch carrying a long note): larger than the page cap allows."""
    doc = genuine(court)
    doc["padding"] = "x" * size
    raw = json.dumps(doc, ensure_ascii=False).encode()
    court.core.inject("dispatches", raw.decode(), signed(court, raw, str(doc["xxbh"])))
    return raw


@pytest.fixture
def small_cap(settings: Settings) -> Runtime:
    """The adapter reading answers of at most 1 MB (the default is 20): the same rule at a test's scale."""
    platform = settings.platforms[PLATFORM].model_copy(update={"max_response_mb": 1.0})
    return build_runtime(settings.model_copy(update={"platforms": {PLATFORM: platform}}))


def test_a_page_larger_than_the_read_cap_is_read_in_smaller_pages(small_cap: Runtime, court: Court) -> None:
    """Three 400 kB items make a page past the 1 MB cap: the poll asks for fewer items until each page fits, and
    every item is dealt with (the dispatch after them applied), with no error and the breaker closed."""
    (before,) = court.core.dispatch(1, "01")
    for _ in range(3):
        _big_item(court, 400_000)
    (after,) = court.core.dispatch(1, "02")
    pump(small_cap, 1)
    assert {before, after} <= _cases(small_cap)
    assert _cursor(small_cap, Feed.DISPATCHES) == "5"
    assert small_cap.metrics.get("poll_errors") == 0
    breaker = small_cap.platforms[PLATFORM].breaker
    assert breaker is not None and breaker.state == "closed"
    assert small_cap.platforms[PLATFORM].feeds.held() == {}


def test_a_single_item_larger_than_the_read_cap_holds_its_feed_with_one_alert(
    small_cap: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    """One 1.5 MB item cannot be read even alone: the dispatch feed is held at its cursor (visible in the link's
    feed holds, one ERROR naming the cause and the setting), the decisions feed and the breaker are unaffected,
    and once the answer fits the feed moves again by itself."""
    (before,) = court.core.dispatch(1, "01")
    _big_item(court, 1_500_000)
    (after,) = court.core.dispatch(1, "02")
    link = small_cap.platforms[PLATFORM]
    link.feeds.probe_every = timedelta(0)  # each poll probes the held feed, rather than once per cool-down
    with caplog.at_level(logging.ERROR, logger="docking.polling"):
        pump(small_cap, 2)
    assert _cases(small_cap) == {before}
    (held,) = link.feeds.held().items()
    assert held[0] is Feed.DISPATCHES and held[1].cursor == "1" and held[1].cause == "oversized"
    alerts = [r.getMessage() for r in caplog.records if "HELD" in r.getMessage()]
    assert len(alerts) == 1 and "max_response_mb" in alerts[0] and "dispatches" in alerts[0]
    assert link.breaker is not None and link.breaker.state == "closed"
    assert small_cap.metrics.get("poll_errors") == 0 and small_cap.metrics.get("poll_feed_held") == 2
    link.connector.max_response_bytes = 4 * 1024 * 1024  # type: ignore[attr-defined]  # the operator raised it
    pump(small_cap, 1)
    assert _cases(small_cap) >= {before, after} and link.feeds.held() == {}


@pytest.mark.parametrize(
    ("control", "raw"),
    [
        ({"body": '{"xxbh": "PQ-\udcff"}'}, '{"xxbh": "PQ-\udcff"}'.encode("utf-8", "surrogatepass")),
        ({"body_base64": base64.b64encode(b'{"xxbh": "PQ-\xff"}').decode()}, b'{"xxbh": "PQ-\xff"}'),
    ],
    ids=["lone-surrogate", "not-utf8-bytes"],
)
def test_items_injected_through_the_control_api_are_served_not_answered_with_500(
    runtime: Runtime, court: Court, control: dict[str, str], raw: bytes
) -> None:
    """The sandbox serves a page holding a lone surrogate (as its JSON escape) or bytes that are not UTF-8 (as they
    are), as a court with such an encoder would; the adapter quarantines the item and applies the next dispatch."""
    answer = requests.post(
        f"{court.server.url}/sandbox/inject",
        data=json.dumps({"feed": "dispatches", **control}),  # ensure_ascii: the surrogate travels as \udcff
        headers={"Authorization": f"Bearer {court.server.control_token}"},
        timeout=5,
    )
    assert answer.status_code == 200
    (after,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    assert _cases(runtime) == {after} and runtime.metrics.get("poll_errors") == 0
    (row,) = _quarantine(runtime)
    assert row.raw == raw and row.reason == "unsigned"
