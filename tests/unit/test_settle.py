"""`docking run` freezes its start-up heap before its jobs start (scheduler/process.py settle): the objects alive
then are out of the collector's reach, later garbage is still collected, and `run` settles before the scheduler
starts."""

import gc
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import scheduler.process as process
from scheduler import settle


@pytest.fixture
def thawed() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (the rest of the suite expects a collector that sees all)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> Any:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return a


@pytest.mark.usefixtures("thawed")
def test_settle_freezes_what_is_alive_and_later_cycles_are_still_collected() -> None:
    kept = _cycle()  # alive at start-up: frozen, so a full collection does not walk it
    settle()
    assert gc.get_freeze_count() >= len([kept, kept.other])
    assert not any(obj is kept for obj in gc.get_objects())  # out of every generation the collector walks
    late = _cycle()
    ident = id(late)
    del late
    assert gc.collect() >= 2  # made after settle: its cycle is garbage and is collected as before
    assert not any(id(obj) == ident for obj in gc.get_objects())


@pytest.mark.usefixtures("thawed")
def test_settle_collects_start_up_garbage_first() -> None:
    """A cycle that is garbage already when settle runs is collected, not frozen for ever."""
    garbage = _cycle()
    ident = id(garbage)
    del garbage
    settle()
    assert not any(id(obj) == ident for obj in gc.get_objects())
    gc.unfreeze()
    assert not any(id(obj) == ident for obj in gc.get_objects())  # not among the frozen either


@pytest.mark.usefixtures("thawed")
def test_run_settles_after_building_and_before_the_jobs_start(monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []

    class Runtime:
        stopping = threading.Event()
        platforms: tuple[str, ...] = ()

        def heartbeat(self) -> None:
            steps.append("heartbeat")

        def stop(self) -> None:
            steps.append("stop")

    class Scheduler:
        def __init__(self, **_: Any) -> None:
            pass

        def start(self) -> None:
            steps.append(f"start frozen={gc.get_freeze_count() > 0}")
            signal.raise_signal(signal.SIGTERM)  # run's own handler records it: the loop then stops cleanly

        def shutdown(self, wait: bool) -> None:
            steps.append("shutdown")

    def build(settings: Any) -> Runtime:
        steps.append(f"build frozen={gc.get_freeze_count() > 0}")
        return Runtime()

    monkeypatch.setattr(process, "run_lock", lambda url: None)
    monkeypatch.setattr(process, "build_runtime", build)
    monkeypatch.setattr(process, "BackgroundScheduler", Scheduler)
    monkeypatch.setattr(process, "register_jobs", lambda scheduler, runtime: steps.append("jobs"))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        fields = {"database_url": "sqlite:///unused.db", "platforms": {}, "deliver_batch": 50}
        process.run(type("Settings", (), fields)())  # type: ignore[arg-type]
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert steps == ["build frozen=False", "heartbeat", "jobs", "start frozen=True", "shutdown", "stop"]
