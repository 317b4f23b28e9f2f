"""Idempotency and optimistic concurrency under real concurrency, on PostgreSQL (row locks, READ COMMITTED) and
SQLite (one writer): simultaneous requests act once, and of two writers holding one ETag only one gets through."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlmodel import func, select

from adapter.persistence.tables import CaseEventRow, CaseRow, OutboxRow
from scheduler import Runtime
from tests.support.api import Api, flow_c_case
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration

CASE = flow_c_case("ZS-PG-1")


@pytest.fixture(params=["postgres", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _at_once(count: int, send: Callable[[Api], requests.Response], api: Api) -> list[requests.Response]:
    """`count` requests released together, each on its own connection."""
    gate, answers = threading.Barrier(count), []

    def one() -> None:
        own = Api(api.base, None)
        own.session.headers.update(api.session.headers)
        gate.wait()
        answers.append(send(own))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.uow.begin() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_simultaneous_retries_of_an_action_act_once(runtime: Runtime, court: Court, centre: Api) -> None:
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case_id = case_for(runtime, ajbs).id
    answers = _at_once(8, lambda api: api.act(case_id, "accept", {"note": "一次"}, key="once"), centre)
    assert {(a.status_code, a.text) for a in answers} == {(200, answers[0].text)}
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 7
    assert _count(runtime, OutboxRow, OutboxRow.case_id == case_id) == 1
    assert _count(runtime, CaseEventRow, CaseEventRow.case_id == case_id, CaseEventRow.event == "accept") == 1


def test_simultaneous_registrations_under_one_key_make_one_case(runtime: Runtime, centre: Api) -> None:
    answers = _at_once(6, lambda api: api.post("/api/centre/v1/cases", CASE, key="register-once"), centre)
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["case_id"] for a in answers}) == 1
    assert _count(runtime, CaseRow, CaseRow.platform_case_id == "ZS-PG-1") == 1


def test_of_two_writers_holding_one_etag_only_one_gets_through(runtime: Runtime, court: Court, centre: Api) -> None:
    """Different actions, different keys, the same If-Match: one acts, every other is a 412 with the new ETag."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case_id = case_for(runtime, ajbs).id
    centre.ok(case_id, "accept")
    centre.ok(case_id, "mediator", {"mediator": "甲调解员"})
    seen = centre.get(f"/api/centre/v1/cases/{case_id}").headers["ETag"]
    answers = _at_once(
        6, lambda api: api.act(case_id, "sessions", {"note": "并发"}, headers={"If-Match": seen}), centre
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 412, 412, 412, 412, 412]
    winner = next(a for a in answers if a.status_code == 200).json()["etag"]
    assert all(a.headers["ETag"] == winner for a in answers if a.status_code == 412)
    assert _count(runtime, CaseEventRow, CaseEventRow.case_id == case_id, CaseEventRow.event == "hold_session") == 1


def test_a_registration_is_read_at_the_api_whatever_reading_its_body_claims(runtime: Runtime, centre: Api) -> None:
    """The 案号 is read where the API builds the record (reference/case_intake.py): a body carrying its own
    `case_number_reading` (another court, no problems) cannot plant a court code or hide a flag."""
    forged = {
        **CASE,
        "platform_case_id": "ZS-PG-2",
        "case_number": "（2026）粤0104民初9号",
        "case_number_reading": {"court_code": "京74", "problems": []},
    }
    answer = centre.post("/api/centre/v1/cases", forged)
    assert answer.status_code == 201, answer.text
    with runtime.uow.begin() as session:
        case = session.exec(select(CaseRow).where(CaseRow.platform_case_id == "ZS-PG-2")).one()
        assert case.court_code == "粤0104"
    malformed = {**forged, "platform_case_id": "ZS-PG-3", "case_number": "not a 案号"}
    bad = centre.post("/api/centre/v1/cases", malformed, key="reg-3")
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["body.case_number"]
    # refused as the request's own invalid field, not remembered: the corrected body under the same key acts
    fixed = centre.post("/api/centre/v1/cases", {**malformed, "case_number": "（2026）粤0104民初10号"}, key="reg-3")
    assert fixed.status_code == 201, fixed.text
