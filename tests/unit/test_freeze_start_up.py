"""`docking run` sets start-up's objects aside from full collections (scheduler/process.py freeze_start_up): what
exists then is frozen, its garbage collected first, and what comes after is collected as before."""

import gc
import weakref

from scheduler.process import freeze_start_up


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_start_up_is_frozen_after_its_garbage_is_collected() -> None:
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = _Node()
    try:
        freeze_start_up()
        assert gone() is None, "start-up's garbage was collected, not frozen"
        assert gc.get_freeze_count() > 0 and kept.me is kept
        later = _Node()
        later_ref = weakref.ref(later)
        del later
        gc.collect()
        assert later_ref() is None, "what comes after start-up is collected as before"
    finally:
        gc.unfreeze()  # the test process goes on collecting everything
