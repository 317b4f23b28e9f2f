"""The sandbox SPC platform (sandbox/spc/) through the real spc_form connector on loopback: login and session
expiry, ids assigned, certification later (listing and callback), refusals as `-1` with the platform's words,
offline registration, statistics, each misbehaviour (partners.md §4 "Sandbox")."""

import json
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from connectors.port import CredentialsRefused, PayloadError, RawInbound, RejectedError, TransientError
from connectors.spc_form import SIGNATURE, SpcForm, callback_signature
from mappings.times import CHINA
from sandbox.spc import SpcConfig, SpcCore, SpcServer
from sandbox.spc.push import SpcCallbacks
from schemas.partner import PartnerEnvelope
from tests.support import spc_samples as s

pytestmark = pytest.mark.integration
KEY = "callback-secret-for-tests"


class Platform:
    def __init__(self, **config: Any) -> None:
        self.core = SpcCore(SpcConfig(callback_key=KEY, **config))
        self.server = SpcServer(self.core).start()
        self.spc = SpcForm("spc", self.server.url, "centre", "sandbox-password", callback_key=KEY, timeout=(2, 5))

    def feed(self, cursor: str = "0") -> list[PartnerEnvelope]:
        page = self.spc.fetch(cursor, 100)
        return [self.spc.decode(item) for item in page.items]


@pytest.fixture
def make() -> Iterator[Callable[..., Platform]]:
    started: list[Platform] = []

    def start(**config: Any) -> Platform:
        started.append(Platform(**config))
        return started[-1]

    yield start
    for p in started:
        p.server.stop()


@pytest.fixture
def platform(make: Callable[..., Platform]) -> Platform:
    return make()


def submit_org_with(p: Platform, count: int, org_id: str = "RO-ORG-1", first: int = 1) -> list[str]:
    serial = int(org_id[-1])
    p.spc.send(s.org(org_id, serial))
    ids = [f"RO-MED-{serial}{n}" for n in range(first, first + count)]
    for n, rid in enumerate(ids, first):
        p.spc.send(s.mediator_upsert(rid, serial, n))
    return ids


def test_ids_assigned_each_message_applied_once(platform: Platform) -> None:
    message = s.org()
    first = platform.spc.send(message)
    again = platform.spc.send(message)
    assert first.partner_ref and first.partner_ref.startswith("SPC-O") and not first.duplicate
    assert again.duplicate and again.partner_ref == first.partner_ref
    assert platform.spc.logins == 1


def test_certification_answered_later_in_the_listing(platform: Platform) -> None:
    ids = submit_org_with(platform, 3)
    events = platform.feed()
    assert {e.type for e in events} == {"roster.certified"}
    assert {e.record_id for e in events} == {"RO-ORG-1", *ids}
    assert all(e.correlates_to and e.partner_ref and e.sent_at.utcoffset() == timedelta(hours=8) for e in events)
    assert platform.spc.query_status(["RO-ORG-1", "RO-NOPE"])["RO-NOPE"] is None
    status = platform.spc.query_status(["RO-ORG-1"])["RO-ORG-1"]
    assert status is not None and status.status == "certified"
    assert platform.feed(str(len(events))) == []  # the cursor moves on


@pytest.mark.parametrize(
    ("faults", "expected", "reason"),
    [((), "roster.rejected", "该证件号已在其他调解组织任职"), (("dup_id",), "roster.certified", None)],
)
def test_same_id_in_two_organisations(faults: tuple[str, ...], expected: str, reason: str | None) -> None:
    p = Platform(faults=faults)
    try:
        p.spc.send(s.org("RO-ORG-1"))
        p.spc.send(s.org("RO-ORG-2", 2, "另一调解中心"))
        p.spc.send(s.mediator_upsert("RO-MED-1", 1, 7))
        p.spc.send(s.mediator_upsert("RO-MED-2", 2, 7))  # the same person, the other organisation
        second = [e for e in p.feed() if e.record_id == "RO-MED-2"]
        assert [e.type for e in second] == [expected]
        assert second[0].body.get("reason") == reason
    finally:
        p.server.stop()


@pytest.mark.parametrize(("faults", "expected"), [((), "roster.rejected"), (("expired_term",), "roster.certified")])
def test_a_term_ended_before_the_answer(make: Callable[..., Platform], faults: tuple[str, ...], expected: str) -> None:
    now = [datetime.now(CHINA)]
    p = make(faults=faults)
    p.core.clock = lambda: now[0]
    term_to = now[0].date() + timedelta(days=1)
    p.spc.send(s.mediator_upsert("RO-MED-1", 1, 3, term_to=term_to))
    now[0] += timedelta(days=3)  # the court answers after the term has ended
    (event,) = p.feed()
    assert event.type == expected
    if faults:  # certified anyway, with the term it certified: ended
        assert date.fromisoformat(event.body["term_to"]) == term_to
    else:
        assert event.body["reason"] == "任期已届满"


@pytest.mark.parametrize(
    ("words", "said"), [(["调解员信息不完整"], "调解员信息不完整"), ([""], "-1 (the platform gave no reason)")]
)
def test_minus_one_is_a_rejection_with_the_platforms_words(platform: Platform, words: list[str], said: str) -> None:
    platform.core.fail_next(*words)
    with pytest.raises(RejectedError) as caught:
        platform.spc.send(s.org())
    assert caught.value.code == "-1" and said in caught.value.detail
    assert platform.spc.send(s.org()).partner_ref  # the next one goes through


def test_minus_one_fault_fails_the_first_and_every_fifth(make: Callable[..., Platform]) -> None:
    platform = make(faults=("minus_one",))
    outcomes = []
    for n in range(6):
        try:
            platform.spc.send(s.mediator_upsert(f"RO-MED-{n}", 1, n))
            outcomes.append("ok")
        except RejectedError:
            outcomes.append("-1")
    assert outcomes == ["-1", "ok", "ok", "ok", "ok", "-1"]


def test_session_expiry_logs_in_again_once(platform: Platform) -> None:
    platform.spc.send(s.org())
    assert platform.core.expire_sessions() == 1
    platform.spc.send(s.mediator_upsert("RO-MED-1", 1, 1))
    assert platform.spc.logins == 2


def test_session_expiry_mid_run(make: Callable[..., Platform]) -> None:
    platform = make(faults=("session_expiry",), session_requests=2)
    submit_org_with(platform, 3)
    assert len(platform.feed()) == 4
    assert platform.spc.logins >= 3 and platform.core.stats()["entries"] == {"certified": 4}


def test_jobs_sharing_the_connector_share_one_session(make: Callable[..., Platform]) -> None:
    platform = make(faults=("session_expiry",), session_requests=2)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            platform.spc.send(s.mediator_upsert(f"RO-MED-{n}", 1, n))
        except BaseException as exc:  # collected: the test fails on any
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and platform.core.stats()["entries"] == {"pending": 8}


def test_refused_login_and_a_session_that_never_holds_are_credentials_refused() -> None:
    p = Platform()
    try:
        wrong = SpcForm("spc", p.server.url, "centre", "wrong", timeout=(2, 5))
        with pytest.raises(CredentialsRefused) as caught:
            wrong.send(s.org())
        assert "wrong" not in str(caught.value) and "用户名或密码错误" in str(caught.value)
        p.core.config.session_seconds = 1e-9  # every session over before its first page
        with pytest.raises(CredentialsRefused):
            p.spc.send(s.org())
    finally:
        p.server.stop()


def test_offline_registration_and_statistics() -> None:
    for faults, extra in (((), 0), (("stats_differ",), 1)):
        p = Platform(faults=faults)
        try:
            receipt = p.spc.send(s.offline("RO-REG-1"))
            assert receipt.partner_ref and receipt.partner_ref.startswith("SPC-C")
            (event,) = p.feed()
            assert event.type == "case.offline_registered" and event.body["platform_case_id"] == receipt.partner_ref
            assert form_party(p.core.entries["RO-REG-1"].doc)["id_number"] == s.resident_id(901)
            month = p.core.clock().strftime("%Y-%m")
            assert p.spc.statistics(month) == {"registered": 1 + extra, "organisations": 0, "mediators": 0}
            assert p.spc.statistics("2020-01")["registered"] == extra
            form = p.core.entries["RO-REG-1"].doc
            assert form["end_time"].count(":") == 2 and "T" not in form["end_time"]  # yyyy-MM-dd HH:mm:ss
        finally:
            p.server.stop()


def form_party(doc: dict[str, Any]) -> dict[str, Any]:
    party: dict[str, Any] = doc["applicants"][0]
    return party


def test_removed_by_a_court_is_announced(platform: Platform) -> None:
    submit_org_with(platform, 1)
    platform.feed()
    assert platform.core.remove("RO-MED-11", "违反调解纪律")
    (event,) = platform.feed("2")
    assert event.type == "roster.removed" and event.body["reason"] == "违反调解纪律"


def test_retirement_is_acknowledged_by_its_receipt(platform: Platform) -> None:
    submit_org_with(platform, 1)
    assert platform.spc.send(s.retire("RO-MED-11")).partner_ref
    status = platform.spc.query_status(["RO-MED-11"])["RO-MED-11"]
    assert status is not None and status.status == "retired"


def test_forgotten_record_is_unknown_to_query(platform: Platform) -> None:
    platform.spc.send(s.org())
    assert platform.core.forget("RO-ORG-1")
    assert platform.spc.query_status(["RO-ORG-1"]) == {"RO-ORG-1": None}


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b'{"event":"certified"}', None, "bad_signature"),
        (b"not json", "sign", "malformed"),
        (b'{"seq":1,"msgId":"x","event":"promoted","localId":"RO-1","at":"2026-03-02 09:30:00"}', "sign", "malformed"),
        (b'{"seq":1,"msgId":"x","event":"certified","localId":"RO-1","at":"2026-03-02T09:30"}', "sign", "malformed"),
        (b'{"seq":1,"event":"certified","localId":"RO-1","at":"2026-03-02 09:30:00"}', "sign", "malformed"),
    ],
)
def test_decode_refuses_what_is_not_a_signed_row(
    platform: Platform, body: bytes, headers: str | None, reason: str
) -> None:
    given = {SIGNATURE: callback_signature(KEY, body)} if headers else {SIGNATURE: "00"}
    with pytest.raises(PayloadError) as caught:
        platform.spc.decode(RawInbound(body=body, headers=given))
    assert caught.value.reason == reason


def test_a_page_the_platform_does_not_have_is_refused_with_its_status(platform: Platform) -> None:
    with pytest.raises(RejectedError) as refused:
        platform.spc._form("GET", "/fayuan/a/nowhere")
    assert refused.value.code == "404" and "no page" in refused.value.detail
    platform.core.failing_http.append(503)
    with pytest.raises(TransientError):
        platform.spc.send(s.org())


def test_unreachable_platform_is_transient() -> None:
    p = Platform()
    p.server.stop()
    with pytest.raises(TransientError) as caught:
        p.spc.send(s.org())
    assert caught.value.cause in ("refused", "dropped", "connection")


class _Receiver(ThreadingHTTPServer):
    def __init__(self, status: int) -> None:
        self.got: list[tuple[bytes, dict[str, str]]] = []
        self.status = status
        super().__init__(("127.0.0.1", 0), _Take)


class _Take(BaseHTTPRequestHandler):
    server: _Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append((body, dict(self.headers.items())))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.mark.parametrize(("status", "rounds", "posts"), [(200, 3, 1), (503, 3, 3), (400, 3, 1)])
def test_callbacks_push_signed_rows(platform: Platform, status: int, rounds: int, posts: int) -> None:
    receiver = _Receiver(status)
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    try:
        host, port = receiver.server_address[:2]
        callbacks = SpcCallbacks(platform.core, f"http://{host!s}:{port}/cb", secret=KEY, api_key="k1")
        platform.spc.send(s.org())
        for _ in range(rounds):
            callbacks.push_once()
        assert len(receiver.got) == posts
        body, headers = receiver.got[0]
        assert headers["Authorization"] == "Bearer k1"
        event = platform.spc.decode(RawInbound(body=body, headers=headers))
        assert event.type == "roster.certified" and event.record_id == "RO-ORG-1"
        assert json.loads(body)["seq"] == 1
    finally:
        receiver.shutdown()
        receiver.server_close()
