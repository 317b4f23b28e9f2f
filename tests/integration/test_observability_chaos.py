"""The operations view of a chaos demo (`docking demo --chaos`, in this process): /metrics scraped while the
courts fail on purpose shows the retries and the breaker's transitions, and no dead letter at the end; every log
line is JSON with the ids of the work in hand, and none holds a full ID or phone number or a secret."""

import base64
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from api.host import ThreadedApi
from cli import logs
from sandbox import demo
from scheduler import Runtime
from tests.support.logs import restored_logging
from tests.support.metrics import samples

pytestmark = pytest.mark.integration

PLANTED = "pl4nted-s3cret-7731"
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
FULL_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])")


@pytest.fixture
def json_log(tmp_path: Path) -> Iterator[Path]:
    """This process logs JSON lines to a file for the test (as `docking --log-format json --log-file`)."""
    with restored_logging(tmp_path / "docking.log") as path:
        logs.configure("INFO", "json", path)
        yield path


def _total(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= ls)


def test_a_chaos_demo_seen_through_metrics_and_logs(tmp_path: Path, json_log: Path) -> None:
    served_at: dict[str, Any] = {}

    class Watched(ThreadedApi):  # the demo's own served API; the test scrapes it with an ops key of its own
        def start(self, runtime: Runtime) -> str:
            served_at["key"] = self.client(runtime, "test-ops", "ops")
            served_at["base"] = base = super().start(runtime)
            return base

    host = Watched()
    scrapes: list[str] = []
    done = threading.Event()

    def scrape() -> None:
        while not done.wait(0.5):
            if "base" in served_at:
                answer = requests.get(
                    f"{served_at['base']}/metrics", headers={"Authorization": f"Bearer {served_at['key']}"}, timeout=10
                )
                assert answer.status_code == 200, answer.text
                scrapes.append(answer.text)

    scraper = threading.Thread(target=scrape, daemon=True)
    scraper.start()
    try:
        try:
            outcome = demo.run_demo(
                4, seed=3, chaos=0.6, workdir=tmp_path / "demo", timeout=120, host=host, keep_running=True
            )
            logging.getLogger("docking.test").warning(
                "connecting with password=%s", PLANTED, extra={"token": PLANTED, "api_key": PLANTED}
            )
            requests.get(f"{served_at['base']}/metrics", headers={"Authorization": f"Bearer {PLANTED}"}, timeout=10)
        finally:
            done.set()
            scraper.join(timeout=15)
        final = samples(
            requests.get(
                f"{served_at['base']}/metrics", headers={"Authorization": f"Bearer {served_at['key']}"}, timeout=10
            ).text
        )
    finally:
        host.stop()
    summary = outcome.summary
    assert outcome.ok, summary
    assert scrapes, "no scrape happened during the run"
    during = [samples(text) for text in scrapes]

    # The retries and the breaker's transitions, as the run went and at its end; they agree with the demo's counts.
    retried = max(_total(s, "docking_delivery_attempts_total", result="retried") for s in [*during, final])
    opened = _total(final, "docking_breaker_transitions_total", transition="opened")
    assert retried >= summary["messages_retried"] > 0
    assert (
        opened == summary["breaker_opened"] > 0
        and _total(final, "docking_breaker_transitions_total", transition="closed") > 0
    )
    assert any(_total(s, "docking_outbox_messages", status="pending") > 0 for s in during)
    # Zero dead at the end, and nothing left pending.
    assert _total(final, "docking_dead_letters") == 0 and _total(final, "docking_outbox_messages", status="dead") == 0
    assert _total(final, "docking_outbox_messages", status="pending") == 0
    assert _total(final, "docking_outbox_messages", status="delivered") == summary["messages_delivered"]
    assert _total(final, "docking_delivery_duration_seconds_count") > 0

    # The log: JSON lines, the bound ids of deliveries and jobs, no full personal number, no secret.
    text = json_log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all({"event", "level", "logger", "time"} <= set(line) for line in lines)
    assert any({"platform", "case_id", "message_id"} <= set(line) for line in lines), "no delivery line with its ids"
    assert any("job" in line for line in lines) and any(line["level"] == "warning" for line in lines)
    assert not FULL_ID.search(text), FULL_ID.search(text)
    assert not FULL_MOBILE.search(text), FULL_MOBILE.search(text)
    data_key = (tmp_path / "demo" / "pii-demo.key").read_bytes().strip()
    assert PLANTED not in text and data_key.decode() not in text
    assert base64.b64decode(data_key).hex() not in text
