"""Every flow of domain.md §2, the centre's side driven over HTTP: the real API under uvicorn, the real sandbox
court on loopback, the adapter on a SQLite file."""

import hashlib

import pytest

from adapter.reconcile import reconcile
from adapter.seal import Sealed
from scheduler import Runtime
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.flows import EXTENDED_UNTIL, agree, court_status, mediate, parties
from tests.support.runtime import DOCUMENT, case_for, pump

pytestmark = pytest.mark.integration


def _dispatched(runtime: Runtime, court: Court, flow: str) -> str:
    (ajbs,) = court.core.dispatch(1, flow)
    pump(runtime, 1)
    return case_for(runtime, ajbs).id


def _in_step(runtime: Runtime) -> None:
    report = reconcile(runtime.uow, runtime.platforms)
    assert report.differences == [] and report.in_flight == 0


def test_flow_a_through_the_api_reaches_judicial_confirmation(runtime: Runtime, court: Court, centre: Api) -> None:
    """委派: accepted, mediated, agreed (multipart upload) and confirmed, every centre step over HTTP."""
    case_id = _dispatched(runtime, court, "01")
    mediate(centre, case_id)
    assert agree(centre, case_id)["status"] == "AGREEMENT_EFFECTIVE"
    assert centre.ok(case_id, "jc", parties(centre, case_id))["status"] == "JC_APPLIED"
    pump(runtime)
    shown = centre.get(f"/api/centre/v1/cases/{case_id}").json()
    assert shown["status"] == "JC_CONFIRMED"
    assert [m["type"] for m in shown["messages"]] == ["progress", "progress", "progress", "agreement", "jc_application"]
    assert all(m["status"] == "delivered" for m in shown["messages"])
    assert court_status(centre, court, case_id) == "61"
    _in_step(runtime)


def test_flow_a_failure_through_the_api_returns_the_case(runtime: Runtime, court: Court, centre: Api) -> None:
    """An outcome code 2–8 with its failure report sends the case back to its court."""
    case_id = _dispatched(runtime, court, "01")
    mediate(centre, case_id)
    answer = centre.ok(case_id, "outcome", {"code": 5, "reason": "双方对还款金额分歧过大", "facts": "多次调解"})
    assert answer["status"] == "RETURNED_TO_COURT"
    pump(runtime)
    assert court_status(centre, court, case_id) == "50"
    _in_step(runtime)


def test_flow_b_through_the_api_ends_with_a_mediation_document(runtime: Runtime, court: Court, centre: Api) -> None:
    """委托: the agreement goes up over HTTP; the court answers with its 调解书."""
    case_id = _dispatched(runtime, court, "02")
    mediate(centre, case_id)
    agree(centre, case_id)
    pump(runtime)
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "MEDIATION_DOC_ISSUED"
    assert court_status(centre, court, case_id) == "70"
    _in_step(runtime)


def test_flow_c_registered_over_the_api_meets_its_court_at_jc(runtime: Runtime, court: Court, centre: Api) -> None:
    """A self-received case registered by POST /cases sends nothing until its JC application names the court."""
    case = {
        "platform_case_id": "ZS-API-1",
        "flow": "self_received",
        "cause": "信用卡纠纷",
        "amount": "8800.00",
        "parties": [
            {"name": "张三", "role": "applicant", "kind": "natural_person", "id_type": "resident_id",
             "id_number": "11010519491231002X", "phone": "13800138000"},
            {"name": "某银行", "role": "respondent", "kind": "legal_person", "id_type": "uscc",
             "id_number": "91110000600037341L"},
        ],
        "dispatched_at": "2026-11-20T09:00:00+08:00",
    }  # fmt: skip
    created = centre.post("/api/centre/v1/cases", case)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    assert created.headers["Location"] == f"/api/centre/v1/cases/{case_id}"
    mediate(centre, case_id)
    agree(centre, case_id)
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["messages"] == []
    centre.ok(case_id, "jc", {"applicant": "张三", "consenting_party": "某银行", "platform": PLATFORM})
    pump(runtime)
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "JC_CONFIRMED"
    _in_step(runtime)


def test_flow_d_declined_over_the_api(runtime: Runtime, court: Court, centre: Api) -> None:
    """A party-applied case is declined with a reason the court sees."""
    case_id = _dispatched(runtime, court, "04")
    assert centre.ok(case_id, "decline", {"reason": "outside_charter", "note": "非银行保险类纠纷"})["status"] == (
        "DECLINED"
    )
    pump(runtime)
    assert court_status(centre, court, case_id) == "21"
    _in_step(runtime)


def test_flow_d_suspended_extended_and_closed_over_the_api(runtime: Runtime, court: Court, centre: Api) -> None:
    """Suspend, resume, extend, agree and close performed, each over HTTP, reach the court in order."""
    case_id = _dispatched(runtime, court, "04")
    mediate(centre, case_id)
    assert centre.ok(case_id, "suspend", {"note": "待补充证据"})["status"] == "SUSPENDED"
    assert centre.ok(case_id, "resume")["status"] == "IN_MEDIATION"
    assert centre.ok(case_id, "extend", {"until": EXTENDED_UNTIL})["status"] == "EXTENDED"
    assert centre.ok(case_id, "mediator", {"mediator": "王调解员"})["status"] == "EXTENDED"  # a replacement
    agree(centre, case_id)
    assert centre.ok(case_id, "close")["status"] == "CLOSED_PERFORMED"
    pump(runtime, 6)
    ajbs = centre.get(f"/api/centre/v1/cases/{case_id}").json()["court_case_id"]
    assert court.core.status([ajbs]) == {ajbs: "80"}
    assert court.core.cases[ajbs].history == ["20", "30", "30", "31", "30", "30", "30", "40", "80"]
    _in_step(runtime)


class _AppendSeal:
    """A stand-in seal (the PAdES one is tested in tests/unit/test_sealed_agreements.py): it appends a line."""

    def seal(self, document: bytes, now: object) -> Sealed:
        return Sealed(document + b"\n%centre-seal\n")

    def carries_seal(self, document: bytes) -> bool:
        return document.endswith(b"%centre-seal\n")


def test_the_agreement_answer_names_the_sealed_digest(runtime: Runtime, court: Court, centre: Api) -> None:
    """With `[seal]` on the answer names the digest recorded and sent (the sealed PDF's), not the upload's."""
    runtime.services.seal = _AppendSeal()
    case_id = _dispatched(runtime, court, "01")
    mediate(centre, case_id)
    answer = agree(centre, case_id)
    assert answer["status"] == "AGREEMENT_EFFECTIVE"
    sealed = hashlib.sha256(DOCUMENT + b"\n%centre-seal\n").hexdigest()
    assert answer["document_sha256"] == sealed != hashlib.sha256(DOCUMENT).hexdigest()
