"""The simulated centre (sandbox/centre.py) counts a case change its listing found first only if no event about the
case ever comes: an event late under load is not a missed one (the demo warned about seven such cases while every
one of its 253 events arrived)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.centre import EVENT_LAG, SimulatedCentre

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


class _Answer:
    status_code = 200

    def __init__(self, doc: dict[str, Any]) -> None:
        self._doc = doc

    def json(self) -> dict[str, Any]:
        return self._doc


def _listing(*items: tuple[str, str, datetime]) -> _Answer:
    return _Answer({"items": [{"id": i, "status": s, "updated_at": t.isoformat(), "created_at": None}
                              for i, s, t in items], "next_cursor": None})  # fmt: skip


def test_a_change_found_by_listing_counts_only_if_its_event_never_comes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    centre = SimulatedCentre("http://127.0.0.1:9", "key", "court", clock=lambda: NOW)
    old, fresh = NOW - EVENT_LAG - timedelta(seconds=1), NOW - EVENT_LAG / 2
    page = _listing(("MC-late", "PENDING_ACCEPTANCE", old), ("MC-lost", "ACCEPTED", old), ("MC-new", "ACCEPTED", fresh))
    monkeypatch.setattr(centre, "_request", lambda *a, **k: page)
    centre._resync()
    centre.heard({"type": "case.dispatched", "case_id": "MC-late"})  # late, but it came
    assert centre.found_by_listing == 1  # MC-lost only; MC-new's event may still be on its way
    assert "no event said so" not in caplog.text  # said once, when the demo's summary asks
    centre.say_missed()
    assert "case MC-lost changed to ACCEPTED and no event said so" in caplog.text
    assert "MC-late changed to PENDING_ACCEPTANCE and no event said so" not in caplog.text  # its INFO line may be


def test_a_case_whose_event_came_before_the_listing_is_not_news(monkeypatch: pytest.MonkeyPatch) -> None:
    """The event came and waits for the centre's next step when the listing runs: told already, not found."""
    centre = SimulatedCentre("http://127.0.0.1:9", "key", "court", clock=lambda: NOW)
    old = NOW - EVENT_LAG - timedelta(seconds=1)
    centre.heard({"type": "case.changed", "case_id": "MC-told"})
    monkeypatch.setattr(centre, "_request", lambda *a, **k: _listing(("MC-told", "ACCEPTED", old)))
    centre._resync()
    assert centre.found_by_listing == 0
