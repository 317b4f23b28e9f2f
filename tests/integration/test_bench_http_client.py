"""bench/http_client.py runs to its JSON line: the three clients each posted and read every answer (a short answer
stops it), and their ratios are taken against http.client's."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.timeout(180)
def test_the_http_client_bench_measures_the_three_clients() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.http_client", "--posts", "200", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(summary[f"{name}_cpu_us"] > 0 for name in ("urllib3", "http_client", "raw"))
    assert summary["urllib3_ratio"] > 0 and summary["raw_ratio"] > 0 and summary["posts"] == 200
