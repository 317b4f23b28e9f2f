"""What the delivery tests against a sandbox court share (test_concurrent_delivery.py, test_send_processes.py):
the court's count of our requests in hand, delivering until the outbox is empty, and the court's own record
checked against ours — every message applied once, each case's in its order."""

import threading
import time
from collections import Counter
from typing import Any

import pytest
from sqlmodel import col, select

from adapter.persistence.tables import CaseRow, OutboxRow
from scheduler import Runtime
from tests.support.court import Court


class InHand:
    """The platform requests the court holds at once (its latency included): the most so far, and a wait for N."""

    def __init__(self, court: Court, monkeypatch: pytest.MonkeyPatch) -> None:
        handler: Any = court.server.RequestHandlerClass
        real, lock, changed = handler.handle_request, threading.Lock(), threading.Condition()
        self.now = self.peak = 0

        def counted(handler_self: Any, method: str) -> None:
            with lock, changed:
                self.now += 1
                self.peak = max(self.peak, self.now)
                changed.notify_all()
            try:
                real(handler_self, method)
            finally:
                with lock:
                    self.now -= 1

        self._changed = changed
        monkeypatch.setattr(handler, "handle_request", counted)

    def reached(self, count: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.now >= count, timeout)


def deliver_until_done(runtime: Runtime, seconds: float, pause: float) -> Counter[str]:
    """Delivery runs until no message is left undelivered (or `seconds` pass), `pause` apart; their counts."""
    counts: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts.update(runtime.deliver_counts())
        with runtime.uow.begin() as session:
            if session.exec(select(OutboxRow.id).where(OutboxRow.status != "delivered")).first() is None:
                break
        time.sleep(pause)  # what is left waits on its retry schedule or the court's Retry-After
    return counts


def applied_once_in_order(runtime: Runtime, court: Court, messages: int, counts: Counter[str]) -> None:
    """All `messages` delivered, and by the court's own record each applied once — none lost, none invented, none
    applied twice — each case's messages in the order of its outbox."""
    with runtime.uow.begin() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.case_id), col(OutboxRow.seq))).all()
        cases = {c.id: c.platform_case_id for c in session.exec(select(CaseRow)).all()}
    assert len(rows) == messages and {r.status for r in rows} == {"delivered"}, counts
    assert court.core.duplicates_applied == 0
    assert set(court.core.applications) == {r.message_id for r in rows}
    expected: dict[str, list[str]] = {}
    for row in rows:
        expected.setdefault(cases[row.case_id], []).append(row.message_id)
    assert court.core.applied_order == expected
