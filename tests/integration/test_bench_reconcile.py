"""`python -m bench.reconcile` at a small size: it runs end to end and finds exactly the differences it injected."""

import pytest

from tests.support.bench import bench_summary

pytestmark = pytest.mark.integration


def test_the_reconcile_bench_finds_every_injected_difference_and_ends_with_json() -> None:
    """2,000 cases, two differences of each kind: found == injected, and the last line is the JSON summary."""
    summary = bench_summary("reconcile", "--cases", "2000", "--per-kind", "2", "--runs", "1", timeout=110)
    assert summary["cases"] == 2000 and summary["differences_found"] == summary["differences_injected"] == 10
    assert set(summary["by_kind"]) == {"missing_at_platform", "missing_here", "behind", "ahead", "state_mismatch"}
    for key in ("seconds", "peak_rss_mib", "baseline_seconds"):
        assert summary[key] >= 0
