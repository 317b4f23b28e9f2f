"""A stale feed item (signed before the feed's maximum age) is asked about in the inbox: was its message applied
before? When that database read fails, the fault is ours, not the item's (adapter/inbox/ingest.py `check`): the
poll fails, nothing of the page lands, nothing is quarantined and the cursor stays, so the next poll reads the item
again. Before, the failure was caught with the item's own faults and the item quarantined as `undecodable`."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

import adapter.inbox.page as page
from adapter.inbox.polling import poll
from adapter.persistence.tables import CaseRow, CursorRow, QuarantineRow
from connectors.port import Feed
from scheduler import Runtime
from tests.support.court import PLATFORM, Court
from tests.support.poisons import genuine

pytestmark = pytest.mark.integration


def _publish_stale(court: Court) -> None:
    """A dispatch never seen before, signed 8 days ago (the feed's maximum age is 7 days)."""
    doc = genuine(court)
    body = json.dumps(doc, ensure_ascii=False)
    at = datetime.now(UTC) - timedelta(days=8)
    court.core.inject(
        "dispatches", body, dict(court.core._signer.sign(body.encode(), message_id=str(doc["xxbh"]), at=at))
    )


def _rows(runtime: Runtime) -> tuple[int, int, list[str]]:
    with runtime.uow.begin() as session:
        cases = len(session.exec(select(CaseRow.id)).all())
        cursors = [row.value for row in session.exec(select(CursorRow)).all()]
        return cases, len(session.exec(select(QuarantineRow.id)).all()), cursors


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_failing_applied_look_up_fails_the_poll_and_quarantines_nothing(
    runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    court.core.dispatch(2, "01")  # the page's good items come first: they must not land without the stale one
    _publish_stale(court)
    link = runtime.platforms[PLATFORM]

    def failing(*_args: object) -> bool:
        raise OperationalError("SELECT inbox.id FROM inbox ...", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(page, "was_applied", failing)
        with pytest.raises(OperationalError, match="database is locked"):
            poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)
    assert _rows(runtime) == (0, 0, [])  # nothing of the page, no quarantine, the cursor where it was

    poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)  # the database back: the item read again and settled
    cases, quarantined, cursors = _rows(runtime)
    assert (cases, quarantined) == (2, 1), "the two good dispatches applied, the stale one quarantined as stale"
    assert cursors and cursors[0]
    with runtime.uow.begin() as session:
        assert [row.reason for row in session.exec(select(QuarantineRow)).all()] == ["stale"]
