"""`python -m bench.delivery --soap-only` at a small size: besides soap_rps it gives what a SOAP message costs the
worker process and the court process in CPU, and from their sum the rate the machine's cores allow at all
(soap_ceiling_rps) — the figure soap_rps is bound by while the court shares our cores (#21) — with the sends made
by send processes, their CPU counted, soap1_rps with them made by the worker itself, and soap_serial_* with one
message at a time: what concurrency adds to a message's CPU (soap_concurrency_cpu)."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

MESSAGES = 300  # ~1 s of both processes' CPU: /proc counts the court's in 10 ms ticks


@pytest.mark.timeout(300)
def test_soap_only_gives_each_process_cpu_and_the_ceiling_they_allow() -> None:
    command = [sys.executable, "-m", "bench.delivery", "--soap-only", "--runs", "1", "--messages", str(MESSAGES)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    # The baseline is measured either side of the SOAP figures (a slow moment at one end weighs half)
    assert figures["raw_rps"] == pytest.approx((figures["raw_before_rps"] + figures["raw_after_rps"]) / 2, rel=0.01)
    worker, court = figures["soap_worker_cpu_us"], figures["soap_court_cpu_us"]
    # Both sides work on every message: each verifies the other's RSA signature and signs its own (~300 µs alone).
    assert worker > 300 and court > 300, figures
    assert figures["cpus"] == len(os.sched_getaffinity(0))  # the cores this run may use, not the machine's count
    ceiling = figures["cpus"] * 1e6 / (worker + court)
    assert figures["soap_ceiling_rps"] == pytest.approx(ceiling, rel=0.01)  # medians of one run: the run's own
    assert figures["soap_ceiling_ratio"] == pytest.approx(figures["soap_ceiling_rps"] / figures["raw_rps"], rel=0.01)
    # No rate beats the cores: a little over only by the court's 10 ms ticks.
    assert figures["soap_rps"] <= 1.1 * figures["soap_ceiling_rps"], figures
    assert figures["soap_of_ceiling"] == pytest.approx(figures["soap_rps"] / figures["soap_ceiling_rps"], rel=0.01)
    # soap_rps's sends were made by send processes (one per core by default, at most one per message in flight, the
    # default 16), whose CPU is counted as the worker's: the same work split among processes costs about as much as
    # in one, never a fraction of it.
    assert figures["send_processes"] == min(figures["cpus"], 16)
    assert figures["soap_worker_cpu_us"] > 0.7 * figures["soap1_worker_cpu_us"], figures
    assert figures["soap1_ratio"] == pytest.approx(figures["soap1_rps"] / figures["raw_rps"], rel=0.01)
    # One at a time: both sides still sign and verify, and a message's turn is the worker's work and then the
    # court's, so the rate stays within what their sum allows one after the other (a little over: the 10 ms ticks).
    serial_worker, serial_court = figures["soap_serial_worker_cpu_us"], figures["soap_serial_court_cpu_us"]
    assert serial_worker > 300 and serial_court > 300, figures
    assert figures["soap_serial_rps"] <= 1.2 * 1e6 / (serial_worker + serial_court), figures
    assert figures["soap_concurrency_cpu"] == pytest.approx((worker + court) / (serial_worker + serial_court), rel=0.01)
    serial_ceiling = figures["cpus"] * 1e6 / (serial_worker + serial_court)
    assert figures["soap_serial_ceiling_ratio"] == pytest.approx(serial_ceiling / figures["raw_rps"], rel=0.01)
