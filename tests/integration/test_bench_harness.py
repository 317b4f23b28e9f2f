"""The benchmarks' court process (bench/harness.py) dispatches any number of cases: more than the sandbox's control
endpoint takes in one call (sandbox/server.py MAX_DISPATCH) is asked for in chunks — `bench.delivery --messages
12000` used to end in a 400 and a traceback."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bench import harness
from bench.harness import Court
from sandbox.server import MAX_DISPATCH

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def court(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Court]:
    with Court(tmp_path_factory.mktemp("harness")) as court:
        yield court


def test_the_court_refuses_more_than_max_dispatch_in_one_call(court: Court) -> None:
    """Why the harness asks in chunks."""
    too_many = requests.post(
        f"{court.url}/sandbox/dispatch",
        json={"count": MAX_DISPATCH + 1, "flow": "01"},
        headers={"Authorization": f"Bearer {court.token}"},
        timeout=60,
    )
    assert too_many.status_code == 400 and str(MAX_DISPATCH) in too_many.text


@pytest.mark.parametrize(("count", "chunks"), [(1, [1]), (3, [3]), (7, [3, 3, 1])])
def test_more_cases_than_one_call_takes_come_in_chunks(
    court: Court, monkeypatch: pytest.MonkeyPatch, count: int, chunks: list[int]
) -> None:
    monkeypatch.setattr(harness, "MAX_DISPATCH", 3)  # the chunking, without 10,001 real cases
    asked: list[int] = []
    post = requests.post

    def counted(url: str, **kwargs: Any) -> requests.Response:
        asked.append(kwargs["json"]["count"])
        return post(url, **kwargs)

    monkeypatch.setattr(requests, "post", counted)
    dispatched = court.dispatch(count)
    assert asked == chunks
    assert len(dispatched) == len(set(dispatched)) == count
