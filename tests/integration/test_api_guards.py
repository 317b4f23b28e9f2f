"""The API's guards over real HTTP: idempotent retries, key reuse, stale If-Match, illegal transitions, body limit,
validation naming the field, the audit trail, masked parties, and no key in any log line."""

import logging
import threading
from collections.abc import Iterator

import pytest
import requests
from sqlmodel import col, select

from adapter.config.settings import ApiSettings, Settings
from adapter.persistence.api_tables import ApiAuditRow, ApiIdempotencyRow
from adapter.persistence.tables import AuditRow, OutboxRow
from scheduler import Runtime, build_runtime
from tests.support.api import Api, flow_c_case
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    """A small body limit, so a 413 needs no megabytes."""
    limited = settings.model_copy(update={"api": ApiSettings(max_body_bytes=4096)})
    return build_runtime(limited)


@pytest.fixture
def case_id(runtime: Runtime, court: Court) -> str:
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    return case_for(runtime, ajbs).id


def _messages(runtime: Runtime, case_id: str) -> list[OutboxRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id)).all())


def _audit(runtime: Runtime) -> list[ApiAuditRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(ApiAuditRow).order_by(col(ApiAuditRow.id))).all())


def test_a_retry_with_the_same_key_gets_the_first_answer_without_acting_again(
    runtime: Runtime, centre: Api, case_id: str
) -> None:
    """The second POST under one key replays status and body; one transition, one outbound message."""
    first = centre.act(case_id, "sessions", {"note": "x"}, key="k-1")
    centre.ok(case_id, "accept")
    centre.ok(case_id, "mediator", {"mediator": "陈"})
    once = centre.act(case_id, "sessions", {"note": "第一次"}, key="k-2")
    again = centre.act(case_id, "sessions", {"note": "第一次"}, key="k-2")
    assert first.status_code == 409
    assert (once.status_code, once.json()) == (200, again.json() | {}) and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers["ETag"] == once.headers["ETag"]
    assert [m.type for m in _messages(runtime, case_id)] == ["progress", "progress", "progress"]
    # a refusal is remembered too: the same key and body get the same 409, though the case could now take it
    replayed = centre.act(case_id, "sessions", {"note": "x"}, key="k-1")
    assert replayed.status_code == 409 and replayed.json()["current_state"] == "PENDING_ACCEPTANCE"


def test_a_key_reused_with_another_body_is_refused(runtime: Runtime, centre: Api, case_id: str) -> None:
    """422 naming the header; nothing acted."""
    centre.ok(case_id, "accept", key="k-accept")
    reused = centre.act(case_id, "decline", {"reason": "unsuitable"}, key="k-accept")
    assert reused.status_code == 422, reused.text
    assert reused.headers["Content-Type"] == "application/problem+json"
    assert reused.json()["errors"][0] == {
        "field": "header.Idempotency-Key",
        "rule": "reused",
        "message": "used for another request",
    }
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "ACCEPTED"


def test_a_post_without_an_idempotency_key_is_refused(centre: Api, case_id: str) -> None:
    answer = centre.session.post(f"{centre.base}/api/centre/v1/cases/{case_id}/accept", json={}, timeout=10)
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_a_stale_if_match_is_refused_with_the_current_etag(runtime: Runtime, centre: Api, case_id: str) -> None:
    """412 with the current ETag; the matching ETag acts; the case is untouched by the refusal."""
    read = centre.get(f"/api/centre/v1/cases/{case_id}")
    seen = read.headers["ETag"]
    moved = centre.ok(case_id, "accept", headers={"If-Match": seen})
    stale = centre.act(case_id, "mediator", {"mediator": "陈"}, headers={"If-Match": seen})
    assert stale.status_code == 412, stale.text
    assert stale.headers["ETag"] == moved["etag"] == stale.json()["current_etag"] != seen
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "ACCEPTED"
    assert centre.act(case_id, "mediator", {"mediator": "陈"}, headers={"If-Match": moved["etag"]}).status_code == 200


def test_an_if_match_without_its_quotes_is_a_400_saying_how_to_send_it(
    runtime: Runtime, centre: Api, case_id: str
) -> None:
    """`If-Match: v7` (the ETag stripped of its quotes) or a weak tag could never match: a 400 naming the header
    and the form to send, not a 412 that shows the same version back; nothing acts, nothing is remembered."""
    etag = centre.get(f"/api/centre/v1/cases/{case_id}").headers["ETag"]
    for sent in (etag.strip('"'), f"W/{etag}"):
        bare = centre.act(case_id, "accept", headers={"If-Match": sent, "Idempotency-Key": "bare-etag"})
        assert bare.status_code == 400, bare.text
        assert bare.json()["errors"][0]["field"] == "header.If-Match" and "quotes included" in bare.json()["detail"]
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "PENDING_ACCEPTANCE"
    accepted = centre.act(case_id, "accept", headers={"If-Match": f'{etag}, "v0"', "Idempotency-Key": "bare-etag"})
    assert accepted.status_code == 200, accepted.text


def test_an_illegal_transition_is_a_409_naming_the_state_and_allowed_events(centre: Api, case_id: str) -> None:
    answer = centre.act(case_id, "close")
    body = answer.json()
    assert answer.status_code == 409 and answer.headers["Content-Type"] == "application/problem+json"
    assert body["current_state"] == "PENDING_ACCEPTANCE" and body["event"] == "close_performed"
    assert body["allowed_events"] == ["accept", "acceptance_timeout", "decline"]
    # the centre's own actions, named as the endpoints are (acceptance_timeout is the clock's, not the centre's)
    assert body["allowed_actions"] == ["accept", "decline"] and "may now: accept, decline" in body["detail"]
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["allowed_actions"] == ["accept", "decline"]
    centre.ok(case_id, "accept")
    centre.ok(case_id, "mediator", {"mediator": "陈"})
    late = centre.act(case_id, "accept").json()  # "assign_mediator" would name no endpoint: "mediator" does
    assert late["allowed_actions"] == ["agreement", "extend", "mediator", "outcome", "sessions", "suspend"]
    assert "assign_mediator" in late["allowed_events"]


def test_validation_errors_name_the_field_and_the_rule(centre: Api, case_id: str) -> None:
    bad = centre.act(case_id, "decline", {"reason": "bored"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.reason" and bad.json()["errors"][0]["rule"] == "enum"
    extra = centre.act(case_id, "accept", {"note": "", "surprise": 1})
    assert extra.status_code == 422 and extra.json()["errors"][0]["rule"] == "extra_forbidden"
    broken = centre.session.post(
        f"{centre.base}/api/centre/v1/cases/{case_id}/accept",
        data=b"{not json",
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 422 and broken.json()["errors"][0]["rule"] == "json_invalid"
    assert broken.json()["errors"][0]["field"] == "body"  # not "body.1", the character position
    assert "at character 1" in broken.json()["errors"][0]["message"]
    one = centre.act(case_id, "outcome", {"code": 1, "reason": "r"})
    assert one.status_code == 422 and one.json()["errors"][0]["field"] == "body.code"
    nine = centre.act(case_id, "outcome", {"code": 9, "reason": "r"})
    assert nine.status_code == 422 and nine.json()["errors"][0]["field"] == "body.code"
    agreement = centre.act(case_id, "agreement", data={"agreement": "{}"}, files={"document": ("a.pdf", b"%PDF-")})
    assert agreement.status_code == 422 and agreement.json()["errors"][0]["field"].startswith("agreement.")
    unreadable = centre.act(case_id, "agreement", data={"agreement": "{x"}, files={"document": ("a.pdf", b"%PDF-")})
    assert unreadable.json()["errors"][0]["field"] == "agreement"  # the multipart field, not "agreement.body"
    assert centre.get("/api/centre/v1/cases?limit=0").json()["errors"][0]["field"] == "query.limit"
    assert centre.get("/api/centre/v1/cases?cursor=zzz").json()["errors"][0]["field"] == "query.cursor"
    assert centre.get("/api/centre/v1/cases?dispatched_from=soon").json()["errors"][0]["field"] == (
        "query.dispatched_from"
    )
    numbered = centre.post("/api/centre/v1/cases", {**flow_c_case("ZS-G-1"), "case_number": "（2026）粤XX民初号"})
    error = numbered.json()["errors"][0]
    assert error["field"] == "body.case_number" and not error["message"].startswith("Value error")  # pydantic's noise
    court_flow = centre.post("/api/centre/v1/cases", {**flow_c_case("ZS-G-2"), "flow": "delegated"})
    assert court_flow.json()["errors"][0]["field"] == "body.flow"
    assert "register_self_received" not in court_flow.json()["detail"]  # no internal names in an answer
    unknown_court = centre.get("/api/centre/v1/cases", params={"court": "福田区人民法院"}).json()
    assert unknown_court["errors"][0]["field"] == "query.court" and "--court" not in unknown_court["detail"]
    swapped = centre.get("/api/centre/v1/cases?dispatched_from=2026-12-02&dispatched_to=2026-12-01")
    assert swapped.status_code == 422 and swapped.json()["errors"][0]["field"] == "query.dispatched_to"
    one_day = centre.get("/api/centre/v1/cases?dispatched_from=2026-12-01&dispatched_to=2026-12-01")
    assert one_day.status_code == 200  # a date alone as the upper bound: to the end of that day


def test_an_unknown_case_is_a_404(centre: Api) -> None:
    assert centre.act("MC-nope", "accept").status_code == 404
    assert centre.get("/api/centre/v1/cases/MC-nope").json()["type"].endswith("case-not-found")


def test_a_body_over_the_limit_is_a_413_and_acts_on_nothing(runtime: Runtime, centre: Api, case_id: str) -> None:
    """Declared (Content-Length) or streamed (chunked), a body over [api] max_body_bytes is refused."""
    big = {"note": "长" * 5000}
    assert centre.act(case_id, "accept", big).status_code == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"note": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    streamed = centre.session.post(
        f"{centre.base}/api/centre/v1/cases/{case_id}/accept",
        data=chunks(),
        headers={"Idempotency-Key": "k-big", "Content-Type": "application/json"},
        timeout=10,
    )
    assert streamed.status_code == 413 and streamed.headers["Content-Type"] == "application/problem+json"
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "PENDING_ACCEPTANCE"


def test_every_state_changing_call_is_audited(runtime: Runtime, centre: Api, case_id: str) -> None:
    """Client, UTC time, request id, method, path and outcome, for acted, replayed and refused calls alike."""
    centre.ok(case_id, "accept", key="a1", headers={"X-Request-ID": "req-1"})
    centre.act(case_id, "accept", key="a1")
    centre.act(case_id, "accept", key="a2")
    Api(centre.base, "dk_wrong").act(case_id, "accept")  # no client we know: logged, not recorded (next test)
    rows = [(r.client, r.method, r.status_code, r.replayed) for r in _audit(runtime)]
    assert rows == [
        ("centre", "POST", 200, False),
        ("centre", "POST", 200, True),
        ("centre", "POST", 409, False),
    ]
    first = _audit(runtime)[0]
    assert first.request_id == "req-1" and first.path == f"/api/centre/v1/cases/{case_id}/accept"
    assert first.at.utcoffset() is not None and first.at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    with runtime.uow.begin() as session:
        assert session.get(ApiIdempotencyRow, ("centre", "a1")) is not None


def test_calls_of_no_known_client_are_logged_not_recorded(
    runtime: Runtime, centre: Api, case_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can send them: a row each would let any client grow the audit chain (never pruned) and take the
    database's write lock at will. Each is one INFO line, its path cut, with the caller's address."""
    caplog.set_level(logging.INFO, logger="docking.api")
    with runtime.uow.begin() as session:
        chain = len(session.exec(select(AuditRow)).all())
    huge = "A" * 20_000
    assert requests.post(f"{centre.base}/x{huge}", timeout=30).status_code == 404
    assert Api(centre.base, None).post("/api/centre/v1/cases", {}, key="k" * 20_000).status_code == 401
    assert Api(centre.base, "dk_wrong").act(case_id, "accept").status_code == 401
    assert _audit(runtime) == []
    with runtime.uow.begin() as session:
        assert len(session.exec(select(AuditRow)).all()) == chain
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("unidentified POST")]
    assert len(said) == 3 and all(len(line) < 300 and "127.0.0.1" in line for line in said), said
    assert said[0].endswith("answered 404") and "…" in said[0]


def test_a_known_clients_call_is_recorded_with_its_path_and_key_cut_to_their_columns(
    runtime: Runtime, centre: Api, case_id: str
) -> None:
    """SQLite does not enforce api_audit's column sizes: the record cuts them (PostgreSQL would refuse the row)."""
    assert centre.act(case_id, "accept", key="k" * 5_000).status_code == 400  # refused: longer than 128
    (row,) = _audit(runtime)
    assert row.client == "centre" and row.status_code == 400
    assert row.idempotency_key is not None and len(row.idempotency_key) == 128 and row.idempotency_key.endswith("…")


def test_parties_are_masked(centre: Api, case_id: str) -> None:
    """ID and phone numbers as `docking cases show` masks them."""
    for party in centre.get(f"/api/centre/v1/cases/{case_id}").json()["parties"]:
        assert "*" in party["id_number"]
        assert not party["phone"] or "*" in party["phone"]


def test_no_key_reaches_the_log(
    runtime: Runtime, api_base: str, api_keys: dict[str, str], case_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys in headers, good or bad, never appear in any log record."""
    caplog.set_level(logging.DEBUG)
    for key in [*api_keys.values(), "dk_not-a-real-key"]:
        api = Api(api_base, key)
        api.get(f"/api/centre/v1/cases/{case_id}")
        api.act(case_id, "accept")
        api.get("/.well-known/jwks.json")
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert logged  # uvicorn's access log, at least
    assert not any(key in logged for key in [*api_keys.values(), "dk_not-a-real-key"])


def test_concurrent_retries_act_once(runtime: Runtime, centre: Api, case_id: str) -> None:
    """Eight simultaneous POSTs under one key: one acts, the others get its answer."""
    answers: list[tuple[int, str]] = []

    def send() -> None:
        answer = centre.act(case_id, "accept", {"note": "并发"}, key="same")
        answers.append((answer.status_code, answer.text))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a for a in answers} == {answers[0]} and answers[0][0] == 200
    assert [m.type for m in _messages(runtime, case_id)] == ["progress"]


def test_a_known_clients_call_refused_before_its_route_checked_the_key_is_still_recorded(
    runtime: Runtime, centre: Api, case_id: str
) -> None:
    """A body that is not JSON is refused by FastAPI before the route's key check runs: the Guard names the
    client from its key, so the call is recorded as the centre's, not logged as unidentified."""
    answer = centre.post(
        f"/api/centre/v1/cases/{case_id}/accept", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422), answer.text
    assert [(r.client, r.status_code) for r in _audit(runtime)] == [("centre", answer.status_code)]
