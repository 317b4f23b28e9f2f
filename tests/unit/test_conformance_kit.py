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
from cli.conformance_cmd import _inbox, listen_address
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
    assert doc["started_at"] == "2026-12-01T14:00:00+08:00" and doc["checks"][1]["evidence"][0]["request"] == "send M-1"
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


def test_skipped_checks_are_said_and_never_make_a_run_pass_by_themselves() -> None:
    report = Report("court", "rest", "poll", datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    report.results = [
        CheckResult("feed.signed", "signed", passed=True),
        CheckResult("send.accepted", "sent", reason="no pending case to send for"),
        CheckResult("send.duplicate", "dup", skipped=True, reason="not run: depends on send.accepted"),
    ]
    report.notes.append("no test case was left: have the court dispatch one for conformance, or name one with --case")
    assert not report.passed and report.failed == ["send.accepted"] and report.skipped == ["send.duplicate"]
    text = report.to_text("2026-12-01 14:00:00 CST")
    assert "SKIP  send.duplicate" in text and "1 of 3 checks passed, 1 skipped — FAILED: send.accepted" in text
    assert text.endswith("no test case was left: have the court dispatch one for conformance, or name one with --case")
    report.results[1].passed = True
    assert report.passed and "2 of 3 checks passed, 1 skipped — passed" in report.to_text("x")
    only_skipped = Report("court", "rest", "poll", datetime.now(UTC), [CheckResult("a", "", skipped=True)])
    assert not only_skipped.passed


def test_after_an_overrun_the_checks_that_need_it_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    wrote: list[str] = []

    def overruns(target: Any, run: Any, result: CheckResult) -> None:
        time.sleep(0.5)
        run.case_id = "late"  # the run's shared state, written after the timeout

    def reads(target: Any, run: Any, result: CheckResult) -> None:
        wrote.append(run.case_id)
        result.passed = True

    checks = (
        scenario.Check("a.sends", "", overruns),
        scenario.Check("b.needs_a", "", reads, needs="a.sends"),
        scenario.Check("c.needs_b_finished", "", reads, needs="b.needs_a", needs_pass=False),
        scenario.Check("d.alone", "", reads),
    )
    monkeypatch.setattr(scenario, "CHECKS", checks)
    target = Target(connector=None, stranger=None, verifier=None)  # type: ignore[arg-type]
    report = scenario.run_scenario("court", "rest", target, timeout=0.1)
    assert [r.verdict for r in report.results] == ["FAIL", "SKIP", "SKIP", "PASS"]
    assert (
        report.results[1].reason == "not run: depends on a.sends, which overran its timeout (it may still be running)"
    )
    assert report.results[2].reason == "not run: depends on b.needs_a, which was skipped"
    assert report.failed == ["a.sends"] and wrote == [""]


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        ("127.0.0.1:99999", "--listen '127.0.0.1:99999': port 99999 is not between 1 and 65535"),
        ("127.0.0.1:0", "--listen '127.0.0.1:0': port 0 is not between 1 and 65535"),
        ("127.0.0.1", "--listen '127.0.0.1' must look like HOST:PORT"),
        (":8790", "--listen ':8790' must look like HOST:PORT"),
    ],
)
def test_a_listen_address_out_of_range_is_named(listen: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        listen_address(listen)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(("value", "refused"), [("yes", True), ("true", True), (1, True), ("1", True), (True, False)])
def test_test_endpoint_must_be_a_real_boolean(value: object, refused: bool) -> None:
    from pydantic import ValidationError

    from adapter.config.platform import PlatformSettings

    with pytest.raises(ValidationError) as invalid:  # signing is left out: only test_endpoint's error is read here
        PlatformSettings(base_url="http://court.test", test_endpoint=value)  # type: ignore[arg-type]
    said = [e["msg"] for e in invalid.value.errors() if e["loc"] == ("test_endpoint",)]
    assert said == (
        [f"Value error, must be true or false (an unquoted TOML boolean), not {value!r}"] if refused else []
    )
