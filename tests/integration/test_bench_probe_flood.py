"""bench/probe_flood.py runs to its JSON line: every flood really ran while the centre read (its answered rates are
measured over the reads), and the ratio is the two floods' medians."""

import pytest

from tests.support.bench import bench_summary

pytestmark = pytest.mark.integration


@pytest.mark.timeout(300)
def test_the_probe_flood_bench_measures_both_floods() -> None:
    summary = bench_summary("probe_flood", "--runs", "1", "--reads", "20", "--threads", "2", timeout=280)
    assert summary["healthz_answered_per_s"] > 0 and summary["readyz_answered_per_s"] > 0
    # the ratio is of unrounded medians; the medians printed are rounded to 0.1 ms (10 % of a 1 ms one)
    shown = summary["readyz_flood_ms"] / summary["healthz_flood_ms"]
    assert abs(summary["readyz_ratio"] - shown) <= 0.25 * shown + 0.02
    assert summary["quiet_ms"] > 0 and summary["runs"] == 1
