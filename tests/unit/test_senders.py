"""adapter/outbox/senders.py Senders: sends run in the caller's context; none is accepted after shutdown."""

import contextvars
import threading
from typing import Any

import pytest

from adapter.outbox.senders import Senders

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="-")


def test_sends_run_in_the_submitters_context_and_finish_before_shutdown_returns() -> None:
    senders, seen, lock = Senders(3, "test"), [], threading.Lock()

    def send(row: Any) -> None:
        with lock:
            seen.append((row, WHO.get()))

    WHO.set("caller")
    for row in range(20):
        senders.submit(send, row)  # type: ignore[arg-type]
    senders.shutdown()
    assert sorted(seen) == [(row, "caller") for row in range(20)]


def test_a_send_after_shutdown_is_refused_not_lost() -> None:
    senders = Senders(2, "test")
    senders.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        senders.submit(lambda row: None, object())  # type: ignore[arg-type]
