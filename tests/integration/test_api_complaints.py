"""The centre's complaint routes over HTTP, served on loopback over a real database with personal data sealed:
intake (with and without the centre's own id), every refusal named by field and rule with nothing stored, the
list's filters and keyset pages, one complaint masked with its history, deadlines and messages, the actions under
If-Match (stale → 412, illegal → 409 naming the status and what is allowed), Idempotency-Key replays, roles."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from adapter.complaints import inbound
from adapter.config.settings import EncryptionSettings
from schemas.complaint import AckBody, ComplaintEnvelope, DecidedBody, DecisionResult, ReviewDecidedBody
from tests.support.complaint_api import BANK, Served, complaint_api
from tests.support.complaint_samples import DOCUMENT, INSURER_USCC, OTHER_USCC, RECEIVED, RESIDENT_ID, complaint_data

pytestmark = pytest.mark.integration
URL = "/api/centre/v1/complaints"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def person(n: int) -> str:
    """A GB 11643-valid resident ID, one per n: complaints by different people are not repeats of each other."""
    body = f"44010419900101{n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def intake(n: int = 1, **changes: Any) -> dict[str, Any]:
    data = complaint_data(**changes)
    data.pop("complaint_id")
    data["complainant"] = {**data["complainant"], "id_number": person(n)}
    return data


@pytest.fixture
def served(database_url: str, encryption: EncryptionSettings) -> Iterator[Served]:
    with complaint_api(database_url, encryption) as api:
        yield api


def test_an_intake_is_forwarded_and_shown_masked_with_its_history_deadlines_and_messages(served: Served) -> None:
    """201 with Location and ETag; the id assigned when left out; the complainant never shown whole."""
    answer = served.centre.post(URL, intake())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    cid = body["complaint_id"]
    assert cid.startswith("CP-") and body["status"] == "FORWARDED"
    assert answer.headers["Location"] == f"{URL}/{cid}" and answer.headers["ETag"] == body["etag"]
    shown = served.centre.get(f"{URL}/{cid}")
    assert shown.status_code == 200 and shown.headers["ETag"] == body["etag"]
    doc = shown.json()
    assert doc["desk"] == BANK and doc["status"] == "FORWARDED" and doc["institution"]["branch"] == "广州分中心"
    assert person(1) not in shown.text and "13812345678" not in shown.text
    assert doc["complainant"]["id_number"].startswith("440104") and "*" in doc["complainant"]["id_number"]
    assert [e["event"] for e in doc["history"]] == ["received", "forward"]
    assert [m["type"] for m in doc["messages"]] == ["complaint.forward"] and doc["messages"][0]["status"] == "pending"
    # queued, not yet delivered: the forward deadline binds; the institution's clock starts at its receipt
    assert {d["kind"] for d in doc["deadlines"]} >= {"forward", "centre_target"} and doc["forwarded_at"] is None
    assert doc["allowed_actions"] == ["to-mediation", "withdraw"]  # a general-track complaint: no small-claim
    assert "acknowledge" in doc["allowed_events"]


def test_the_centres_own_id_registers_one_complaint_and_a_retry_replays(served: Served) -> None:
    """The same key replays the first 201; a new key for the same complaint id is a 409 naming it."""
    data = {**intake(), "complaint_id": "ZX-2026-0001"}
    first = served.centre.post(URL, data, key="k-1")
    again = served.centre.post(URL, data, key="k-1")
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and first.json()["complaint_id"] == "ZX-2026-0001"
    other = served.centre.post(URL, data, key="k-2")
    assert other.status_code == 409, other.text
    problem = other.json()
    assert problem["type"].endswith("duplicate-complaint") and problem["existing_complaint_id"] == "ZX-2026-0001"
    assert problem["errors"][0]["field"] == "body.complaint_id"
    assert other.headers["content-type"].startswith("application/problem+json")


def test_a_centre_id_in_chinese_is_answered_with_a_percent_encoded_location(served: Served) -> None:
    """An id the centre gives in Chinese is stored as given; the 201's Location (HTTP headers are Latin-1) carries it
    percent-encoded, it leads to the complaint, and a retry replays the 201 — never a 500 after the commit."""
    data = {**intake(), "complaint_id": "投诉-2026-001"}
    first = served.centre.post(URL, data, key="k-zh")
    assert first.status_code == 201, first.text
    assert first.json()["complaint_id"] == "投诉-2026-001"
    assert first.headers["Location"] == f"{URL}/%E6%8A%95%E8%AF%89-2026-001"
    assert served.centre.post(URL, data, key="k-zh").status_code == 201
    shown = served.centre.get(first.headers["Location"])
    assert shown.status_code == 200 and shown.json()["complaint_id"] == "投诉-2026-001"


def test_an_unquoted_if_match_on_a_complaint_points_to_the_complaints_get(served: Served) -> None:
    """The 400 for an unquoted ETag names where the ETag comes from; on a complaint route it said GET /cases/{id}."""
    cid = served.centre.post(URL, intake()).json()["complaint_id"]
    refused = served.centre.post(f"{URL}/{cid}/withdraw", {"reason": "撤回"}, headers={"If-Match": "v2"})
    assert refused.status_code == 400 and "/cases/" not in refused.json()["detail"], refused.text


def test_a_centre_id_with_a_slash_is_refused_as_unaddressable(served: Served) -> None:
    """ "A/B-1" would be stored but never found again (GET /complaints/A/B-1 is another path): refused, none stored."""
    refused = served.centre.post(URL, {**intake(), "complaint_id": "A/B-1"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.complaint_id" and "'/'" in refused.text
    assert served.centre.get(URL).json()["items"] == []


def _agent(document: bool) -> dict[str, Any]:
    agent = {"kind": "agent", "name": "王五", "id_type": "resident_id", "id_number": RESIDENT_ID}
    return {**agent, "document": DOCUMENT} if document else agent


REFUSED = {
    "agent without a power of attorney": (
        {"representative": _agent(False)}, "body.representative.document", "power_of_attorney"),
    "heir without proof of inheritance": (
        {"representative": {**_agent(False), "kind": "heir"}}, "body.representative.document",
        "proof_of_inheritance"),
    "unknown business code": (
        {"classification": {"table": "jrt0169", "version": "2018", "business": "B9999", "cause": "C12"}},
        "body.classification.business", "unknown_code"),
    "unknown cause code": (
        {"classification": {"table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C999"}},
        "body.classification.cause", "unknown_code"),
    "small claim over the memorandum's cap": (
        {"track": "small_claim", "amount_in_dispute": "5000.01"}, "body.amount_in_dispute", "small_claim_cap"),
    "an institution no desk serves": (
        {"institution": {"kind": "bank", "name": "某某银行", "uscc": OTHER_USCC}}, "body.institution.uscc", "no_desk"),
    "small claim with an institution without a memorandum": (
        {"track": "small_claim", "institution": {"kind": "insurer", "name": "某人寿保险公司", "uscc": INSURER_USCC},
         "classification": {"table": "nfra-insurance", "version": "2020", "business": "L0206", "cause": "D0101"}},
        "body.track", "memorandum"),
}  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "rule"), REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_intake_names_the_field_and_the_rule_and_stores_nothing(
    served: Served, changes: dict[str, Any], field: str, rule: str
) -> None:
    answer = served.centre.post(URL, intake(**changes))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [(field, rule)]
    assert served.centre.get(URL).json()["items"] == []


def test_a_schema_error_names_the_field_and_never_echoes_the_number(served: Served) -> None:
    """A resident ID with a wrong check digit: 422 naming body.complainant.id_number, the number not repeated."""
    bad = intake()
    bad["complainant"]["id_number"] = RESIDENT_ID[:-1] + "9"
    answer = served.centre.post(URL, bad)
    assert answer.status_code == 422 and RESIDENT_ID[:-1] not in answer.text
    assert answer.json()["errors"][0]["field"] == "body.complainant.id_number"


def _ack(served: Served, cid: str) -> None:
    envelope = ComplaintEnvelope(
        message_id=f"A-{cid}",
        complaint_id=cid,
        sent_at=RECEIVED + timedelta(hours=1),
        body=AckBody(desk_ref=f"KF-{cid[-6:]}", acknowledged_at=RECEIVED + timedelta(hours=1)),
    )
    assert inbound.apply(served.runtime.uow, BANK, envelope, served.runtime.clock) == inbound.APPLIED


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_action_needs_the_current_etag_and_an_illegal_one_names_the_status(served: Served) -> None:
    """Stale If-Match → 412 with the current ETag; an event the status does not allow → 409 naming it."""
    cid = served.centre.post(URL, intake()).json()["complaint_id"]
    first = served.centre.get(f"{URL}/{cid}").headers["ETag"]
    _ack(served, cid)  # the desk moved it on meanwhile
    stale = served.centre.post(f"{URL}/{cid}/withdraw", {"reason": "撤回"}, headers={"If-Match": first})
    assert stale.status_code == 412 and stale.json()["current_state"] == "ACKNOWLEDGED"
    current = stale.headers["ETag"]
    assert current != first and stale.json()["current_etag"] == current
    visit = served.centre.post(f"{URL}/{cid}/visit", {"satisfaction": 5}, headers={"If-Match": current})
    assert visit.status_code == 409, visit.text
    problem = visit.json()
    assert problem["current_state"] == "ACKNOWLEDGED" and problem["event"] == "visit"
    assert "decide" in problem["allowed_events"] and problem["allowed_actions"] == [
        "small-claim", "to-mediation", "withdraw"]  # fmt: skip
    done = served.centre.post(f"{URL}/{cid}/withdraw", {"reason": "撤回"}, headers={"If-Match": current})
    assert done.status_code == 200 and done.json()["status"] == "WITHDRAWN" and done.headers["ETag"] != current
    after = served.centre.post(f"{URL}/{cid}/close", {})
    assert after.status_code == 409 and after.json()["allowed_events"] == [] and after.json()["allowed_actions"] == []
    unknown = served.centre.post(f"{URL}/CP-none/withdraw", {})
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("complaint-not-found")


def test_a_small_claim_is_decided_within_the_cap_only(served: Served) -> None:
    cid = served.centre.post(URL, intake(track="small_claim", amount_in_dispute="3000.00")).json()["complaint_id"]
    assert served.centre.get(f"{URL}/{cid}").json()["allowed_actions"] == ["small-claim", "to-mediation", "withdraw"]
    over = served.centre.post(f"{URL}/{cid}/small-claim", {"amount": "5000.01", "mediator": "陈调解员"})
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "body.amount"
    assert over.json()["errors"][0]["rule"] == "small_claim_cap"
    ok = served.centre.post(f"{URL}/{cid}/small-claim", {"amount": "3000.00", "mediator": "陈调解员"})
    assert ok.status_code == 200 and ok.json()["status"] == "SMALL_CLAIM_DECIDED"
    types = [m["type"] for m in served.centre.get(f"{URL}/{cid}").json()["messages"]]
    assert types == ["complaint.forward", "smallclaim.decision"]
    general = served.centre.post(URL, intake(2)).json()["complaint_id"]
    refused = served.centre.post(f"{URL}/{general}/small-claim", {"amount": "100.00", "mediator": "陈调解员"})
    assert refused.status_code == 422 and refused.json()["rule"] == "small_claim_track", refused.text
    assert "errors" not in refused.json()  # no "body.track": the request has no such field; the complaint's track


def test_a_complaint_goes_to_mediation_as_a_flow_c_case(served: Served) -> None:
    cid = served.centre.post(URL, intake()).json()["complaint_id"]
    _ack(served, cid)
    at = (RECEIVED + timedelta(days=1)).isoformat()
    answer = served.centre.post(f"{URL}/{cid}/to-mediation", {"complainant_consented_at": at,
                                                              "institution_consented_at": at})  # fmt: skip
    assert answer.status_code == 200, answer.text
    case_id = answer.json()["case_id"]
    assert answer.json()["status"] == "TO_MEDIATION"
    case = served.centre.get(f"/api/centre/v1/cases/{case_id}")
    assert case.status_code == 200 and case.json()["flow"] == "self_received"
    assert served.centre.get(f"{URL}/{cid}").json()["case_id"] == case_id
    # the case's history shows the complaint's, carried over (masked); it had only the bare event name
    (carried,) = [e for e in case.json()["history"] if e["event"] == "complaint"]
    assert carried["note"].startswith(f"converted from complaint {cid}") and " acknowledge " in carried["note"]
    assert person(1) not in case.text


def test_the_list_filters_combine_and_pages_every_complaint_once(served: Served) -> None:
    insurer = {"institution": {"kind": "insurer", "name": "某人寿保险公司", "uscc": INSURER_USCC},
               "classification": {"table": "nfra-insurance", "version": "2020", "business": "L0206",
                                  "cause": "D0101"}}  # fmt: skip
    made = [
        served.centre.post(URL, intake(n, channel=channel, **(insurer if n == 4 else {}))).json()["complaint_id"]
        for n, channel in ((1, "web"), (2, "phone"), (3, "phone"), (4, "letter"))
    ]
    assert len(set(made)) == 4
    pages, page = [], served.centre.get(f"{URL}?limit=3").json()
    while True:
        pages += page["items"]
        if page["next_cursor"] is None:
            break
        page = served.centre.get(f"{URL}?limit=3&cursor={page['next_cursor']}").json()
    assert sorted(c["complaint_id"] for c in pages) == sorted(made)

    def ids(query: str) -> set[str]:
        answer = served.centre.get(f"{URL}?{query}")
        assert answer.status_code == 200, answer.text
        return {c["complaint_id"] for c in answer.json()["items"]}

    assert ids("channel=phone") == set(made[1:3])
    assert ids(f"desk={BANK}&channel=letter") == set()
    assert ids(f"institution={INSURER_USCC}") == {made[3]}
    assert ids("status=FORWARDED&track=general") == set(made)
    assert ids("received_from=2026-03-02&received_to=2026-03-02") == set(made)
    assert ids("received_to=2026-03-01") == set()
    for query, field in (("status=SLEEPING", "query.status"), ("cursor=xyz", "query.cursor"),
                         ("received_from=yesterday", "query.received_from"),
                         ("received_from=2026-03-03&received_to=2026-03-01", "query.received_to")):  # fmt: skip
        bad = served.centre.get(f"{URL}?{query}")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, query


@pytest.mark.parametrize("role", ["ops", "court:court", f"desk:{BANK}"])
def test_only_centre_and_admin_roles_use_the_complaint_routes(served: Served, role: str) -> None:
    refused = served.as_role(role)
    assert refused.get(URL).status_code == 403 and refused.post(URL, intake()).status_code == 403
    assert served.as_role("admin").get(URL).status_code == 200
    anonymous = served.as_role("centre")
    anonymous.session.headers.pop("Authorization")
    assert anonymous.get(URL).status_code == 401


def test_every_answer_is_json_and_no_refusal_is_a_server_error(served: Served) -> None:
    """Malformed bodies and unknown fields: 4xx problem+json, never a 500."""
    for body in ("not json", json.dumps({**intake(), "colour": "red"}), json.dumps([1, 2])):
        answer = served.centre.session.post(
            served.base + URL, data=body, headers={"Idempotency-Key": "x" + str(hash(body)),
                                                   "Content-Type": "application/json"}, timeout=30)  # fmt: skip
        assert 400 <= answer.status_code < 500 and answer.headers["content-type"].startswith("application/problem")


def test_a_decided_complaint_is_reviewed_visited_and_closed_each_under_its_etag(served: Served) -> None:
    """The centre's whole course after a decision; an action retried with its key replays, another body under it
    is refused."""
    cid = served.centre.post(URL, intake()).json()["complaint_id"]
    _ack(served, cid)
    at = RECEIVED + timedelta(days=2)
    decided = ComplaintEnvelope(message_id=f"D-{cid}", complaint_id=cid, sent_at=at,
                                body=DecidedBody(result=DecisionResult.PARTLY, notified_at=at))  # fmt: skip
    assert inbound.apply(served.runtime.uow, BANK, decided, served.runtime.clock) == inbound.APPLIED
    tag = served.centre.get(f"{URL}/{cid}").headers["ETag"]
    steps = [
        ("review", {"grounds": "对处理结果不满意"}, "REVIEW_REQUESTED"),
        ("visit", {"satisfaction": 2, "note": "电话回访"}, None),  # not before the review is decided: 409
    ]
    for action, body, status in steps:
        answer = served.centre.post(f"{URL}/{cid}/{action}", body, key=f"{action}-1", headers={"If-Match": tag})
        if status is None:
            assert answer.status_code == 409 and answer.json()["current_state"] == "REVIEW_REQUESTED"
            continue
        assert answer.status_code == 200 and answer.json()["status"] == status, answer.text
        again = served.centre.post(f"{URL}/{cid}/{action}", body, key=f"{action}-1", headers={"If-Match": tag})
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == answer.json()
        reused = served.centre.post(f"{URL}/{cid}/{action}", {"grounds": "另一理由"}, key=f"{action}-1")
        assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "header.Idempotency-Key"
        tag = answer.headers["ETag"]
    review = ComplaintEnvelope(message_id=f"R-{cid}", complaint_id=cid, sent_at=at,
                               body=ReviewDecidedBody(result=DecisionResult.REJECTED, decided_at=at))  # fmt: skip
    assert inbound.apply(served.runtime.uow, BANK, review, served.runtime.clock) == inbound.APPLIED
    tag = served.centre.get(f"{URL}/{cid}").headers["ETag"]
    visited = served.centre.post(f"{URL}/{cid}/visit", {"satisfaction": 4}, headers={"If-Match": tag})
    assert visited.status_code == 200 and visited.json()["status"] == "VISITED"
    closed = served.centre.post(f"{URL}/{cid}/close", {"note": "结案"}, headers={"If-Match": visited.headers["ETag"]})
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED"
    doc = served.centre.get(f"{URL}/{cid}").json()
    assert doc["satisfaction"] == 4 and doc["allowed_actions"] == []
    assert [m["type"] for m in doc["messages"]] == ["complaint.forward", "complaint.review_requested"]
    bad = served.centre.post(f"{URL}/{cid}/visit", {"satisfaction": 6})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.satisfaction"


@pytest.mark.parametrize(("new_facts", "status"), [(False, "MERGED"), (True, "FORWARDED")])
def test_a_repeat_is_merged_without_new_facts_and_handled_anew_with_them(
    served: Served, new_facts: bool, status: str
) -> None:
    """The same complainant, institution and classification again [P33]: merged into the first, or forwarded."""
    first = served.centre.post(URL, intake()).json()["complaint_id"]
    again = served.centre.post(URL, intake(new_facts=new_facts))
    assert again.status_code == 201 and again.json()["status"] == status, again.text
    shown = served.centre.get(f"{URL}/{again.json()['complaint_id']}").json()
    assert shown["repeat_of"] == first and shown["status"] == status
