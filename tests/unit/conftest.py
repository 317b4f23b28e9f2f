"""Shared unit-test fixtures: a fresh SQLite database with the adapter's tables, and a clock tests can move."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    create_schema(engine)
    yield UnitOfWork(engine)
    engine.dispose()
