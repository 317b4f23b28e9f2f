"""`docking deadlines --within`: open cases at risk, as a table or for scripts; bad spans are clear errors."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.states import Event
from schemas.clock import utc_now
from schemas.enums import Flow
from tests.support import samples
from tests.support.cli import docking

pytestmark = pytest.mark.integration


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Three dispatches: received 30 days ago (acceptance passed), just now (closing in days), and one at rest.

    The CLI reads the real clock. 3 working days [S2 Art 12] close at most 13 days after their start (the Spring
    Festival's), so 30 days ago has passed and just now closes within the `2w` below, whatever the date."""
    database = tmp_path / "d.db"
    engine = make_engine(f"sqlite:///{database}")
    create_schema(engine)
    now = utc_now()
    with UnitOfWork(engine).begin() as session:
        for ident, received in (("late", now - timedelta(days=30)), ("fresh", now), ("done", now)):
            case = create_case(session, samples.dispatch(Flow.DELEGATED, platform_case_id=ident), "p1", received)
            transition(session, case, Event.REGISTER, actor="test", at=received)
            if ident == "done":
                transition(session, case, Event.DECLINE, actor="test", at=received)
    path = tmp_path / "c.toml"
    path.write_text(f'database_url = "sqlite:///{database}"\n')
    return path


def test_a_passed_acceptance_is_listed_and_the_horizon_decides_the_rest(config: Path) -> None:
    near = docking("deadlines", "--within", "1h", "--format", "json", "-c", str(config))
    assert near.returncode == 0, near.stderr
    rows = json.loads(near.stdout)
    assert [(r["deadline"], r["state"]) for r in rows] == [("acceptance", "overdue")]
    assert rows[0]["closes_in_hours"] < 0 and "S2 Art 12" in rows[0]["rule"]
    far = docking("deadlines", "--within", "2w", "--format", "csv", "-c", str(config))
    lines = far.stdout.strip().splitlines()
    assert far.returncode == 0 and lines[0].startswith("case,court_case,status,deadline") and len(lines) == 3


@pytest.mark.parametrize("span", ["3", "3 days", "-1d", "1y"])
def test_a_span_that_is_not_one_is_refused_clearly(config: Path, span: str) -> None:
    result = docking("deadlines", "--within", span, "-c", str(config))
    assert result.returncode == 2 and "is not a span like 3d" in result.stderr and "Traceback" not in result.stderr
