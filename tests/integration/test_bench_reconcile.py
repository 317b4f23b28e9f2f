"""`python -m bench.reconcile` at a small size: it runs end to end and finds exactly the differences it injected."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_the_reconcile_bench_finds_every_injected_difference_and_ends_with_json() -> None:
    """2,000 cases, two differences of each kind: found == injected, and the last line is the JSON summary."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.reconcile", "--cases", "2000", "--per-kind", "2", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["cases"] == 2000 and summary["differences_found"] == summary["differences_injected"] == 10
    assert set(summary["by_kind"]) == {"missing_at_platform", "missing_here", "behind", "ahead", "state_mismatch"}
    for key in ("seconds", "peak_rss_mib", "baseline_seconds"):
        assert summary[key] >= 0
