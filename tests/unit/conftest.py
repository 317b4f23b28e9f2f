"""Shared unit-test fixtures: a fresh SQLite database with the adapter's tables, and one trusted fake court."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.platforms.registry import Platforms
from adapter.testing import FakeClock
from tests.support.fake_court import court

# Re-exported only for the modules issue #15's fake-unit-of-work branch rewrites (test_services, test_sweep,
# test_jc_window import it from here); new code takes it from adapter.testing. Drop at that merge.
__all__ = ["FakeClock"]


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    create_schema(engine)
    yield UnitOfWork(engine)
    engine.dispose()


@pytest.fixture
def platforms() -> Platforms:
    """One fake court, "court", whose signatures the adapter trusts (tests.support.fake_court)."""
    return {"court": court()}
