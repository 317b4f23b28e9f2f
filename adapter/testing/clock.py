"""A clock for tests: the product takes its clock as a `() -> datetime` callable; this one tells a time set by hand."""

from dataclasses import dataclass
from datetime import datetime


@dataclass
class FakeClock:
    """Called, it returns `now`; a test moves time by assigning `now`."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now
