"""The run matrix of the partner end-to-end suites (test_traffic_e2e.py, test_arbitration_e2e.py; the complaint desks'
test_complaints_e2e.py too): which database and which mode (the partner read by the adapter, or pushing to the served
API) each path runs on.

Every path runs twice: on SQLite with the partner pulled, and on PostgreSQL with the partner pushing through the
served route (POST /api/partners/v1/{partner}/messages) — so every path is shown on both databases and in both
modes, issue #19's "every path through its sandbox end to end, SQLite and PostgreSQL", pulled and pushed. The
module's `CROSSED` paths (the main path and the misbehaviours whose handling differs between reading and being
pushed to: duplicates, out-of-order, a bad signature) run on the other two pairs as well (SQLite pushed,
PostgreSQL pulled), so no database × mode pair goes untried. Before, every path ran on all four pairs: 226 runs of
the three partner e2e files (with test_roster_e2e.py), now 124, each path still shown pulled and pushed.

A module uses it as its `pytest_generate_tests` (tests that take `mode`): `backend` (tests/integration/conftest.py)
and `mode` are parametrized together, ids `sqlite-pull`, `postgres-push` ….
"""

from collections.abc import Collection

import pytest

EVERY_PATH = (("sqlite", "pull"), ("postgres", "push"))
CROSS = (("sqlite", "push"), ("postgres", "pull"))


def runs(crossed: bool) -> list[tuple[str, str]]:
    """The (backend, mode) pairs a path runs on: both pairs of EVERY_PATH, and CROSS too when `crossed`."""
    return [*EVERY_PATH, *(CROSS if crossed else ())]


def parametrize(metafunc: pytest.Metafunc, crossed: Collection[str]) -> None:
    """Parametrize `backend` and `mode` of a test that takes `mode`; `crossed`: the names of the tests run on all
    four pairs."""
    if "mode" not in metafunc.fixturenames:
        return
    pairs = runs(metafunc.function.__name__ in crossed)
    metafunc.parametrize(("backend", "mode"), pairs, ids=[f"{backend}-{mode}" for backend, mode in pairs])
