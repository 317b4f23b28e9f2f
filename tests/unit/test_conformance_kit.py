"""The conformance kit's parts that need no court: evidence masked, the report's two forms, every check bounded
(an overrun or an exception fails that check and the run goes on), bad options named."""

import json
import socket
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from adapter.conformance import scenario
from adapter.conformance.checks import Target
from adapter.conformance.report import CheckResult, Report, masked, masked_headers
from adapter.errors import InvalidRequest
from cli.conformance_cmd import _inbox
from sandbox.court import SandboxConfig


def test_evidence_masks_personal_numbers_and_cuts_credentials() -> None:
    text = masked("当事人 身份证号110101199003074512 电话13812345678")
    assert "110101199003074512" not in text and "13812345678" not in text and "4512" in text
    headers = masked_headers({"Authorization": "Bearer s3cr3t-token-value", "X-Signature": "A" * 80, "Accept": "x"})
    assert headers == {"Authorization": "Bearer s…", "X-Signature": "AAAAAAAA…", "Accept": "x"}
    assert masked("x" * 700).endswith("… (700 characters)")


def test_report_says_each_check_and_the_verdict() -> None:
    report = Report("court", "rest", "poll", datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    report.results = [CheckResult("feed.signed", "signed", passed=True), CheckResult("send.duplicate", "dup")]
    report.results[1].saw("send M-1", "receipt for M-1, duplicate=False")
    report.results[1].reason = "not answered duplicate"
    assert not report.passed and report.failed == ["send.duplicate"]
    text = report.to_text("2026-12-01 14:00:00 CST")
    assert "PASS  feed.signed" in text and "FAIL  send.duplicate" in text
    assert "1 of 2 checks passed — FAILED: send.duplicate" in text and "request: send M-1" in text
    doc = json.loads(report.to_json())
    assert doc["started_at"] == "2026-12-01T06:00:00+00:00" and doc["checks"][1]["evidence"][0]["request"] == "send M-1"
    assert not Report("court", "rest", "poll", datetime.now(UTC)).passed  # no checks run is no pass


def test_a_check_that_hangs_or_raises_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def hangs(target: Any, run: Any, result: CheckResult) -> None:
        time.sleep(2)
        result.passed = True  # too late: the report no longer holds this result

    def raises(target: Any, run: Any, result: CheckResult) -> None:
        raise RuntimeError("boom")

    def passes(target: Any, run: Any, result: CheckResult) -> None:
        result.passed = True

    checks = (
        scenario.Check("a.hangs", "", hangs),
        scenario.Check("b.raises", "", raises),
        scenario.Check("c.ok", "", passes),
    )
    monkeypatch.setattr(scenario, "CHECKS", checks)
    target = Target(connector=None, stranger=None, verifier=None)  # type: ignore[arg-type]
    started = time.monotonic()
    report = scenario.run_scenario("court", "rest", target, timeout=0.2)
    assert time.monotonic() - started < 1.5
    assert [(r.id, r.passed) for r in report.results] == [("a.hangs", False), ("b.raises", False), ("c.ok", True)]
    assert report.results[0].reason == "no answer within 0.2 s" and report.results[1].reason == "RuntimeError: boom"


def test_bad_options_are_named() -> None:
    with pytest.raises(InvalidRequest, match="--listen 'nowhere' must look like HOST:PORT"):
        _inbox("nowhere")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(InvalidRequest, match="cannot listen there"):
            _inbox(f"127.0.0.1:{taken.getsockname()[1]}")
    with pytest.raises(ValueError, match="faults wrong-keys are not among wrong-key, no-dedupe"):
        SandboxConfig(misconfigured=("wrong-keys",))
