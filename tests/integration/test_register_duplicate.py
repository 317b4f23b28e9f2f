"""A centre case id registers one self-received case: a second registration is a 409 naming the first (also when
two race), a retry under the same Idempotency-Key replays the first 201, and the case list finds a case by the
id it came with (the centre's own, or a court's) — how a centre that lost a registration's answer finds its case."""

import threading
from typing import Any

import pytest
import requests

from scheduler import Runtime
from tests.support.api import Api, flow_c_case
from tests.support.court import Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

CASES = "/api/centre/v1/cases"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _duplicate(answer: requests.Response, existing: str) -> None:
    assert answer.status_code == 409, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith(":duplicate-case") and body["existing_case_id"] == existing, body
    assert body["errors"] == [{"field": "body.platform_case_id", "rule": "unique", "message": body["detail"]}]
    assert existing in body["detail"], body


@pytest.mark.parametrize(
    ("second_id", "same_key", "status"),
    [
        ("ZS-D-1", False, 409),  # the same centre case id under a new key: refused, naming the first
        ("ZS-D-2", False, 201),  # another centre case id: another case
        ("ZS-D-1", True, 201),  # the same key again: the first answer replayed, no second case
    ],
)
def test_a_second_registration_of_a_centre_case_id(centre: Api, second_id: str, same_key: bool, status: int) -> None:
    first = centre.post(CASES, flow_c_case("ZS-D-1"), key="register-first")
    assert first.status_code == 201, first.text
    existing = first.json()["case_id"]
    second = centre.post(CASES, flow_c_case(second_id), key="register-first" if same_key else None)
    assert second.status_code == status, second.text
    if status == 409:
        _duplicate(second, existing)
        again = centre.post(CASES, flow_c_case(second_id))  # still refused: nothing was registered meanwhile
        _duplicate(again, existing)
    elif same_key:
        assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
    else:
        assert second.json()["case_id"] != existing
    found = centre.get(CASES, params={"platform_case_id": "ZS-D-1"}).json()["items"]
    assert [c["id"] for c in found] == [existing]  # one case under the id, whatever the second request did


def test_two_concurrent_registrations_of_one_id_give_one_201_and_one_409(centre: Api, api_base: str) -> None:
    """Both requests pass the look-up before either commits (as often as the database lets them): the unique
    index refuses the later insert, and the refusal still names the case that won."""
    barrier, answers = threading.Barrier(2), list[requests.Response]()
    clients = [Api(api_base, None) for _ in range(2)]
    for client in clients:
        client.session.headers.update(centre.session.headers)

    def register(client: Api) -> None:
        barrier.wait(timeout=10)
        answers.append(client.post(CASES, flow_c_case("ZS-RACE-1")))

    threads = [threading.Thread(target=register, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    created = next(a for a in answers if a.status_code == 201).json()["case_id"]
    _duplicate(next(a for a in answers if a.status_code == 409), created)
    assert [c["id"] for c in centre.get(CASES, params={"platform_case_id": "ZS-RACE-1"}).json()["items"]] == [created]


def test_the_case_list_finds_a_case_by_the_id_it_came_with(centre: Api, runtime: Runtime, court: Court) -> None:
    own = centre.post(CASES, flow_c_case("ZS-F-1")).json()["case_id"]
    centre.post(CASES, flow_c_case("ZS-F-2"))
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    dispatched: list[dict[str, Any]] = [c for c in centre.get(CASES).json()["items"] if c["flow"] != "self_received"]
    assert len(dispatched) == 1
    court_id = dispatched[0]["court_case_id"]
    assert [c["id"] for c in centre.get(CASES, params={"platform_case_id": "ZS-F-1"}).json()["items"]] == [own]
    by_court = centre.get(CASES, params={"platform_case_id": court_id}).json()["items"]
    assert [c["id"] for c in by_court] == [dispatched[0]["id"]]
    assert centre.get(CASES, params={"platform_case_id": "ZS-NONE"}).json()["items"] == []
    too_long = centre.get(CASES, params={"platform_case_id": "x" * 65})
    assert too_long.status_code == 422 and "query.platform_case_id" in too_long.text, too_long.text
