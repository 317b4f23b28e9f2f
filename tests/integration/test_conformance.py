"""The conformance kit against real sandbox courts on loopback: all green against the REST, SOAP and pushing
courts; each misconfiguration pinpointed by exactly the checks it breaks, the others still passing; a platform not
marked as a test endpoint refused before anything is sent."""

import socket
import time
from pathlib import Path

import pytest

from adapter.conformance.scenario import check_ids
from adapter.errors import InvalidRequest
from cli.conformance_cmd import run_kit
from sandbox.pairing import pair
from tests.support.conformance import run_against

pytestmark = pytest.mark.integration

# fault → the checks that must fail, per kind of court. A pushing court has no cursor the adapter reads: its broken
# cursor is its own affair, and every check passes.
PINPOINTED = {
    "wrong-key": {"rest": ["feed.signed"], "soap": ["feed.signed"], "push": ["push.signed", "push.receipt"]},
    "no-dedupe": {kind: ["send.duplicate"] for kind in ("rest", "soap", "push")},
    "broken-cursor": {"rest": ["feed.paging", "feed.reread"], "soap": ["feed.paging", "feed.reread"], "push": []},
    "wrong-error-codes": {kind: ["error.rejected", "error.credentials"] for kind in ("rest", "soap", "push")},
}


@pytest.mark.parametrize(
    ("kind", "profile"),
    [
        ("rest", "jws-detached"),
        ("rest", "sm2-sm3"),
        ("rest", "hmac-appkey"),
        ("soap", "jws-detached"),
        ("push", "jws-detached"),
    ],
)
def test_all_green_against_a_well_behaved_court(tmp_path: Path, kind: str, profile: str) -> None:
    started = time.monotonic()
    report, core = run_against(tmp_path, kind, profile=profile)
    assert report.failed == [], report.to_text("now")
    assert [r.id for r in report.results] == check_ids("push" if kind == "push" else "poll")
    assert time.monotonic() - started < 30
    # the kit's own ids only: one message applied (the resend answered duplicate), under CONF-
    assert all(m.startswith("CONF-") for m in core.applications) and len(core.applications) == 1
    assert core.duplicates_dropped == 1


@pytest.mark.parametrize("kind", ["rest", "soap", "push"])
@pytest.mark.parametrize("fault", sorted(PINPOINTED))
def test_each_misconfiguration_is_pinpointed(tmp_path: Path, kind: str, fault: str) -> None:
    report, _ = run_against(tmp_path, kind, (fault,))
    assert report.failed == PINPOINTED[fault][kind], report.to_text("now")
    failing = [r for r in report.results if not r.passed and not r.skipped]
    assert all(r.reason and r.evidence for r in failing)  # each failure says why, with what was asked and answered


def test_a_platform_not_marked_test_endpoint_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    try:
        pairing.core.dispatch(3)
        with pytest.raises(InvalidRequest, match="not marked as a test endpoint") as refused:
            run_kit("court", pairing.platform(server))
        assert (refused.value.field, refused.value.rule) == ("test_endpoint", "test_endpoint_only")
        assert pairing.core.applications == {} and pairing.core.signature_failures == {}
    finally:
        server.stop()


def test_a_court_that_is_down_or_silent_fails_every_check_within_the_budget(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    settings = pairing.platform(server, test_endpoint=True)
    server.stop()  # down: its port refuses connections — every check fails at once, naming the error class
    report = run_kit("court", settings, timeout=2.0)
    needing = ["feed.decoded", "send.duplicate", "status.consistent"]  # skipped: what they need did not pass
    assert report.failed == [c for c in check_ids("poll") if c not in needing] and report.skipped == needing
    assert "TransientError" in report.results[0].reason and "connection refused" in report.results[0].reason
    assert all(r.reason for r in report.results)
    # silent: it takes the connection and never answers — each check is cut at its timeout, the run at its budget
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        quiet = settings.model_copy(update={"base_url": f"http://127.0.0.1:{silent.getsockname()[1]}"})
        started = time.monotonic()
        report = run_kit("court", quiet, timeout=0.5, budget=1.2)
        assert time.monotonic() - started < 3.0
    assert not report.passed and sorted(report.failed + report.skipped) == sorted(check_ids("poll"))
    reasons = [r.reason for r in report.results]
    assert reasons[0].startswith(("no answer within 0.5 s", "TransientError"))
    assert reasons[-1] == "not run: the run's budget of 1.2 s was spent"


@pytest.mark.parametrize("profile", ["sm2-sm3", "hmac-appkey"])
def test_a_wrong_court_key_is_found_under_every_signature_profile(tmp_path: Path, profile: str) -> None:
    report, _ = run_against(tmp_path, "rest", ("wrong-key",), profile=profile)
    assert report.failed == ["feed.signed"], report.to_text("now")
    assert "6 of 6 dispatch items fail the court's signature" in report.results[0].reason
    refused = report.results[0].evidence[1].answer  # [0] is the page read
    assert "signed with a key other than the configured court key" in refused and "(or the body changed)" in refused
    decoded = report.results[1]  # nothing verified: nothing the adapter would decode, so no verdict either way
    assert decoded.verdict == "SKIP" and decoded.reason.startswith("not run: feed.signed found no item it could")


def test_the_newest_pending_case_is_found_past_the_first_page(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    try:
        *_, newest = pairing.core.dispatch(25)  # CASE_PAGE is 20: the newest is on the second page
        report = run_kit("court", pairing.platform(server, test_endpoint=True))
        assert report.passed, report.to_text("now")
        assert list(pairing.core.applied_order) == [newest]
    finally:
        server.stop()


def test_no_case_left_fails_send_accepted_and_skips_what_needs_it(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    try:
        for case_id in pairing.core.dispatch(6):
            pairing.core.cases[case_id].status = "20"  # accepted already: none pending
        report = run_kit("court", pairing.platform(server, test_endpoint=True))
        assert report.failed == ["send.accepted"], report.to_text("now")
        assert report.skipped == ["send.duplicate", "status.consistent"]
        assert all(r.reason == "not run: depends on send.accepted, which did not pass" for r in report.results[5:7])
        assert report.notes == [
            "no test case was left: have the court dispatch one for conformance, or name one with --case"
        ]
    finally:
        server.stop()


def test_the_case_named_with_case_is_the_one_sent_for(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    try:
        first, *_, chosen = pairing.core.dispatch(6)  # six: enough for the paging checks
        report = run_kit("court", pairing.platform(server, test_endpoint=True), case=chosen)
        assert report.passed, report.to_text("now")
        assert pairing.core.applied_order == {chosen: [m for m in pairing.core.applications]}
        assert pairing.core.cases[first].status == "10"  # the one the kit would have picked is untouched
    finally:
        server.stop()


def test_an_item_outside_the_documented_fields_is_pinpointed(tmp_path: Path) -> None:
    pairing = pair(tmp_path)
    server = pairing.serve()
    try:
        pairing.core.dispatch(5)
        body = '{"xxbh": "PQ-odd", "xxlx": "PQ", "fssj": "2026-12-01T08:00:00+08:00", "ajbs": "0105-odd", "ajxx": {}}'
        pairing.core.inject("dispatches", body, pairing.core.sign_item(body, "PQ-odd"))  # signed, but unreadable
        report = run_kit("court", pairing.platform(server, test_endpoint=True))
        assert report.failed == ["feed.decoded"], report.to_text("now")
        decoded = report.results[1]
        assert "1 of 6 items would be quarantined" in decoded.reason and "PayloadError" in decoded.evidence[0].answer
    finally:
        server.stop()
