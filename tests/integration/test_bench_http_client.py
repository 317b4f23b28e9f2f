"""bench/http_client.py runs to its JSON line: the three clients each posted and read every answer (a short answer
stops it), and their ratios are taken against http.client's."""

import pytest

from tests.support.bench import bench_summary

pytestmark = pytest.mark.integration


@pytest.mark.timeout(180)
def test_the_http_client_bench_measures_the_three_clients() -> None:
    summary = bench_summary("http_client", "--posts", "200", "--runs", "1", timeout=170)
    assert all(summary[f"{name}_cpu_us"] > 0 for name in ("urllib3", "http_client", "raw"))
    assert summary["urllib3_ratio"] > 0 and summary["raw_ratio"] > 0 and summary["posts"] == 200
