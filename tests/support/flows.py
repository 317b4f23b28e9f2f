"""Every flow of domain.md §2 as a table, the centre's side of each driven over the HTTP centre API; the court's side
is whatever `Side` the test holds (a polled court: tests/integration/test_api_flows.py; a pushing court:
tests/integration/test_push_flows.py).

A row: the court's flow code (01 委派 pre-filing, 02 委托 post-filing, 04 party-applied; "" for a self-received case
the centre registers over the API), the centre's steps in order, each with the status it must answer, and the end:
the case's status, the court's status of it and, where it matters, the court's whole history.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from schemas.clock import CHINA, utc_now
from tests.support.api import Api, flow_c_case
from tests.support.court import PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement


class Side(Protocol):
    """How the court's side moves in a flow."""

    def dispatch(self, flow: str) -> str:
        """The court dispatches one case of `flow` and the adapter takes it in; our case id."""
        ...

    def exchange(self) -> None:
        """Our messages reach the court and the court's answers (rulings, receipts) reach us."""
        ...


def mediate(api: Api, case_id: str) -> None:
    assert api.ok(case_id, "accept")["status"] == "ACCEPTED"
    assert api.ok(case_id, "mediator", {"mediator": "陈调解员"})["status"] == "MEDIATOR_ASSIGNED"
    assert api.ok(case_id, "sessions", {"note": "第一次调解"})["status"] == "IN_MEDIATION"


def agree(api: Api, case_id: str) -> dict[str, Any]:
    """The agreement uploaded as multipart: the signed record and the PDF."""
    files = {"document": ("agreement.pdf", DOCUMENT, "application/pdf")}
    return api.ok(case_id, "agreement", data={"agreement": agreement().model_dump_json()}, files=files)


def parties(api: Api, case_id: str) -> dict[str, str]:
    """A JC application's two parties: the case's first two, as the API shows them."""
    first, second = api.get(f"/api/centre/v1/cases/{case_id}").json()["parties"][:2]
    return {"applicant": first["name"], "consenting_party": second["name"]}


def court_status(api: Api, court: Court, case_id: str) -> str | None:
    ajbs = api.get(f"/api/centre/v1/cases/{case_id}").json()["court_case_id"]
    return court.core.status([ajbs])[ajbs]


Body = dict[str, Any] | Callable[[Api, str], dict[str, Any]] | None
MEDIATE: tuple[tuple[str, Body, str], ...] = (
    ("accept", None, "ACCEPTED"),
    ("mediator", {"mediator": "陈调解员"}, "MEDIATOR_ASSIGNED"),
    ("sessions", {"note": "第一次调解"}, "IN_MEDIATION"),
)
AGREE = ("agreement", None, "AGREEMENT_EFFECTIVE")
# past the 30-day period of a case accepted today: an extension must move the last day later (services.extend)
EXTENDED_UNTIL = (utc_now().astimezone(CHINA) + timedelta(days=45)).date().isoformat()


@dataclass(frozen=True)
class Flow:
    name: str
    flow: str  # the court's flow code; "" = self-received, registered by the centre over the API
    steps: tuple[tuple[str, Body, str], ...]  # (action, body or a function of (api, case id), status answered)
    status: str  # the case's status once everything is exchanged
    court: str | None = None  # the court's status of the case then (None: not checked)
    history: tuple[str, ...] | None = None  # the court's whole history of the case (None: not checked)


FLOWS = (
    Flow("A-judicial-confirmation", "01", (*MEDIATE, AGREE, ("jc", parties, "JC_APPLIED")), "JC_CONFIRMED", "61"),
    Flow(
        "A-failure-returned",
        "01",
        (*MEDIATE, ("outcome", {"code": 5, "reason": "双方分歧过大", "facts": "多次调解"}, "RETURNED_TO_COURT")),
        "RETURNED_TO_COURT",
        "50",
    ),
    Flow("B-mediation-document", "02", (*MEDIATE, AGREE), "MEDIATION_DOC_ISSUED", "70"),
    Flow(
        "C-self-received-to-jc",
        "",
        (*MEDIATE, AGREE, ("jc", {"applicant": "甲", "consenting_party": "乙", "platform": PLATFORM}, "JC_APPLIED")),
        "JC_CONFIRMED",
    ),
    Flow(
        "D-declined",
        "04",
        (("decline", {"reason": "outside_charter", "note": "非银行保险类"}, "DECLINED"),),
        "DECLINED",
        "21",
    ),
    Flow(
        "D-suspended-extended-closed",
        "04",
        (
            *MEDIATE,
            ("suspend", {"note": "待补充证据"}, "SUSPENDED"),
            ("resume", None, "IN_MEDIATION"),
            ("extend", {"until": EXTENDED_UNTIL}, "EXTENDED"),
            ("mediator", {"mediator": "王调解员"}, "EXTENDED"),  # a replacement
            AGREE,
            ("close", None, "CLOSED_PERFORMED"),
        ),
        "CLOSED_PERFORMED",
        "80",
        ("20", "30", "30", "31", "30", "30", "30", "40", "80"),
    ),
)


def run_flow(flow: Flow, centre: Api, side: Side, court: Court) -> str:
    """One row end to end: dispatched (or registered), every centre step over HTTP, everything exchanged; the
    case's and the court's end states checked. Returns our case id."""
    if flow.flow:
        case_id = side.dispatch(flow.flow)
    else:
        created = centre.post("/api/centre/v1/cases", flow_c_case(f"ZS-{flow.name}"))
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]
    for action, body, status in flow.steps:
        if action == "agreement":
            answer = agree(centre, case_id)
        else:
            answer = centre.ok(case_id, action, body(centre, case_id) if callable(body) else body)
        assert answer["status"] == status, f"{flow.name}: {action} → {answer['status']}, not {status}"
    side.exchange()
    shown = centre.get(f"/api/centre/v1/cases/{case_id}").json()
    assert shown["status"] == flow.status, f"{flow.name}: ended {shown['status']}, not {flow.status}"
    assert all(m["status"] == "delivered" for m in shown["messages"]), shown["messages"]
    if flow.court is not None:
        assert court_status(centre, court, case_id) == flow.court, flow.name
    if flow.history is not None:
        assert tuple(court.core.cases[shown["court_case_id"]].history) == flow.history, flow.name
    return case_id
