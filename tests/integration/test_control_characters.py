"""Control characters in text fields (issue 14): the same input gets the same answer on SQLite and PostgreSQL —
refused naming the field — whether a court sends it or the centre types it."""

import json
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import select

from adapter.persistence.tables import CaseRow, InboxRow, QuarantineRow
from adapter.states import CaseStatus
from scheduler import Runtime
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _dispatch(court: Court) -> dict[str, Any]:
    """A genuine dispatch taken off the court's feed, for the test to alter and publish."""
    court.core.dispatch(1, "01")
    doc: dict[str, Any] = json.loads(court.core._feeds["dispatches"].pop().body)
    return doc


def _publish(court: Court, doc: dict[str, Any]) -> bytes:
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, doc["xxbh"]))
    return body.encode()


def _party_name(doc: dict[str, Any], char: str) -> str:
    doc["ajxx"]["dsr"][1]["xm"] = "张" + char + "三"
    return "name"  # the Party is built on its own (mappings/court_fields.py): its location is its field


def _court_name(doc: dict[str, Any], char: str) -> str:
    doc["ajxx"]["fymc"] = "广州市" + char + "越秀区人民法院"
    return "court_name"


def _claims(doc: dict[str, Any], char: str) -> str:
    doc["ajxx"]["ssqq"] = "请求" + char + "判令"
    return "claims"


def _case_id(doc: dict[str, Any], char: str) -> str:
    doc["ajbs"] = doc["ajbs"] + char
    return "platform_case_id"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85"], ids=["NUL", "ESC", "NEL (C1)"])
@pytest.mark.parametrize("put", [_party_name, _court_name, _claims, _case_id], ids=lambda f: f.__name__[1:])
def test_a_court_item_with_a_control_character_is_quarantined_naming_the_field(
    runtime: Runtime, court: Court, put: Any, char: str
) -> None:
    """Refused as invalid with the field and code point, its bytes kept, no case — on either database."""
    doc = _dispatch(court)
    field = put(doc, char)
    raw = _publish(court, doc)
    pump(runtime, 1)
    with runtime.uow.begin() as session:
        (row,) = session.exec(select(QuarantineRow)).all()
        assert session.exec(select(CaseRow)).all() == [] and session.exec(select(InboxRow)).all() == []
    assert row.reason == "invalid" and field in row.detail and f"U+{ord(char):04X}" in row.detail
    assert row.raw == raw


def test_line_breaks_in_free_text_are_applied(runtime: Runtime, court: Court) -> None:
    """Claims with lines and a tab are text: the dispatch is applied on either database."""
    doc = _dispatch(court)
    doc["ajxx"]["ssqq"] = "一、偿还本金；\r\n二、\t偿还利息。"
    _publish(court, doc)
    pump(runtime, 1)
    assert case_for(runtime, doc["ajbs"]).status == CaseStatus.PENDING_ACCEPTANCE


@pytest.mark.parametrize("char", ["\x00", "\x9f"], ids=["NUL", "C1"])
def test_the_centre_cannot_store_a_control_character_either(runtime: Runtime, court: Court, char: str) -> None:
    """A mediator's name typed with NUL is refused before the database (PostgreSQL would refuse it, SQLite not)."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    runtime.services.accept(case.id)
    with pytest.raises(ValidationError, match=f"(?s)mediator.*U\\+{ord(char):04X}"):
        runtime.services.assign_mediator(case.id, "王" + char + "五")
    assert case_for(runtime, ajbs).mediator is None
