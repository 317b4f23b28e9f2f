"""`python -m bench.delivery --profile --profile-soap` at a small size: with several messages in flight the sends run
on the send pool's threads (adapter/outbox/senders.py), and the profile must have profiled them there."""

import json
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

MESSAGES, IN_FLIGHT = 24, 4


def _entries(stats_file: Path, suffix: str, name: str) -> list[tuple[Any, ...]]:
    table = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]  # {func: (cc, calls, own, cum, callers)}
    return [v for (file, _, func), v in table.items() if func == name and file.endswith(suffix)]


def _callers(entries: list[tuple[Any, ...]]) -> set[str]:
    return {func for entry in entries for (_, _, func) in entry[4]}


@pytest.mark.timeout(300)
def test_the_profile_covers_the_send_threads_and_gives_cpu_per_message(tmp_path: Path) -> None:
    out = tmp_path / "delivery.prof"
    command = [sys.executable, "-m", "bench.delivery", "--profile", "--profile-soap", "10", "--top", "10"]
    done = subprocess.run(
        [*command, "--messages", str(MESSAGES), "--in-flight", str(IN_FLIGHT), "--profile-out", str(out)],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r["transport"] for r in reports] == ["rest", "soap"]
    assert done.stdout.count("The profiler's own overhead is in every profiled figure") == 2
    for report, stats in zip(reports, (out, out.with_name(out.name + ".soap")), strict=True):
        assert report["messages"] == MESSAGES and report["send_threads"] == IN_FLIGHT
        for figures in (report["unprofiled_us"], report["profiled_us"]):
            assert all(figures[k] > 0 for k in ("process", "main", "send")), figures
            assert figures["court"] >= 0  # /proc counts in 10 ms ticks: a few messages may fall within one
        assert report["profiler_overhead"] > 0
        # every message was sent on a send thread, under its pool's loop: Senders._run → Context.run → Flight._send
        delivered = _entries(stats, "adapter/outbox/send.py", "deliver_one")
        assert sum(v[1] for v in delivered) == MESSAGES and _callers(delivered) == {"_send"}
        sends = _entries(stats, "adapter/outbox/flight.py", "_send")
        assert sum(v[1] for v in sends) == MESSAGES and sum(v[3] for v in sends) > 0
        runs = _entries(stats, "adapter/outbox/senders.py", "_run")
        assert sum(v[1] for v in runs) == IN_FLIGHT and sum(v[3] for v in runs) >= sum(v[3] for v in sends)
        # the thread groups apart: the sends only in the send threads' stats, the claims only in the main thread's
        assert _entries(Path(f"{stats}.send"), "adapter/outbox/send.py", "deliver_one")
        assert not _entries(Path(f"{stats}.main"), "adapter/outbox/send.py", "deliver_one")
        assert _entries(Path(f"{stats}.main"), "adapter/outbox/claim.py", "claim_in")
        assert not _entries(Path(f"{stats}.send"), "adapter/outbox/claim.py", "claim_in")
