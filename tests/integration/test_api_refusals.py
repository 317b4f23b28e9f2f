"""A use case's refusal over the API names the request's own field and the rule it breaks (RFC 9457 `errors`, as
a validation problem does); one about the case's state names its rule. The JSON bodies' fields are `body.…`, the
agreement upload's are its multipart fields (`agreement.…`, `document`)."""

import json
import time
from typing import Any

import pytest
from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.persistence.api_tables import ApiAuditRow
from api.bounded import MAX_ITEMS
from api.problems import invalid_request
from scheduler import Runtime
from tests.support.api import Api, flow_c_case
from tests.support.flows import agree, mediate
from tests.support.runtime import DOCUMENT, agreement

pytestmark = pytest.mark.integration


def _refused(answer: Any, field: str, rule: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith(":invalid-request") and body["detail"], body
    assert body["errors"] == [{"field": field, "rule": rule, "message": body["detail"]}], body


def _registered(centre: Api, name: str) -> str:
    created = centre.post("/api/centre/v1/cases", flow_c_case(name))
    assert created.status_code == 201, created.text
    case_id: str = created.json()["case_id"]
    return case_id


def test_a_cause_outside_the_catalogue_names_body_cause(centre: Api) -> None:
    _refused(
        centre.post("/api/centre/v1/cases", {**flow_c_case("ZS-R-1"), "cause": "星际贸易纠纷"}),
        "body.cause",
        "catalogue",
    )


def test_an_agreement_upload_names_its_multipart_field(centre: Api) -> None:
    case_id = _registered(centre, "ZS-R-2")
    mediate(centre, case_id)
    other = {"document": ("agreement.pdf", DOCUMENT + b"!", "application/pdf")}
    answer = centre.act(case_id, "agreement", data={"agreement": agreement().model_dump_json()}, files=other)
    _refused(answer, "agreement.document_sha256", "digest")
    unsigned = agreement().model_copy(
        update={"signatures": tuple(s for s in agreement().signatures if not s.role.is_party)}
    )
    files = {"document": ("agreement.pdf", DOCUMENT, "application/pdf")}
    answer = centre.act(case_id, "agreement", data={"agreement": unsigned.model_dump_json()}, files=files)
    _refused(answer, "agreement.signatures", "party_signature")


def test_a_jc_application_names_the_party_or_the_platform_at_fault(centre: Api) -> None:
    case_id = _registered(centre, "ZS-R-3")
    mediate(centre, case_id)
    agree(centre, case_id)
    not_a_party = centre.act(case_id, "jc", {"applicant": "甲", "consenting_party": "丙", "platform": "court"})
    _refused(not_a_party, "body.consenting_party", "two_parties_of_case")
    _refused(centre.act(case_id, "jc", {"applicant": "甲", "consenting_party": "乙"}), "body.platform", "required")
    nowhere = centre.act(case_id, "jc", {"applicant": "甲", "consenting_party": "乙", "platform": "atlantis"})
    _refused(nowhere, "body.platform", "configured")


def test_a_refusal_about_the_cases_state_names_its_rule() -> None:
    """No input is at fault when the JC window has closed: the problem names the rule, and no field."""
    problem = invalid_request(InvalidRequest("the JC window closed", rule="jc_window"), "body")
    assert problem.status == 422 and problem.extensions == {"rule": "jc_window"}
    named = invalid_request(InvalidRequest("not in the catalogue", field="cause", rule="catalogue"), "body")
    assert named.extensions == {
        "errors": [{"field": "body.cause", "rule": "catalogue", "message": "not in the catalogue"}]
    }


def test_an_unreadable_body_names_the_body(centre: Api) -> None:
    """FastAPI's own 400 for a body it cannot parse (here: not UTF-8 at all) names the body too."""
    junk = b"\xff\xfe{"
    answer = centre.post("/api/centre/v1/cases/X/decline", data=junk, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"] == [{"field": "body", "rule": "parse", "message": answer.json()["detail"]}]


def test_a_body_of_too_many_items_is_refused_before_it_is_validated(
    runtime: Runtime, centre: Api, api_base: str
) -> None:
    """A million `{}` parties once held the event loop (every role's requests) for a minute, validating each: now
    one 422 naming the limit, answered at once and recorded for the centre; without a key, a 401."""
    body = json.dumps({"platform_case_id": "x", "parties": [{}] * 200_000})
    started = time.monotonic()
    answer = centre.post("/api/centre/v1/cases", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and time.monotonic() - started < 5, answer.text[:300]
    assert answer.json()["errors"] == [
        {
            "field": "body",
            "rule": "too_many_items",
            "message": f"the body holds more than {MAX_ITEMS} items (array elements and object members)",
        }
    ]
    assert [(r.client, r.status_code) for r in _audited(runtime)] == [("centre", 422)]
    anonymous = Api(api_base, None).post(
        "/api/centre/v1/cases", data=body, headers={"Content-Type": "application/json"}
    )
    assert anonymous.status_code == 401
    small = centre.post("/api/centre/v1/cases", json={"platform_case_id": "x", "parties": [{}] * 3})
    assert small.status_code == 422 and small.json()["errors"][0]["rule"] != "too_many_items"  # validated as before


def _audited(runtime: Runtime) -> list[ApiAuditRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(ApiAuditRow).order_by(col(ApiAuditRow.id))).all())
