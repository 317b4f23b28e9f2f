"""A court-signed item that reuses an applied message id: the same body is a duplicate, another body a conflict —
quarantined with both digests and its bytes, alerted once, and the message applied first stands (issue 14)."""

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from adapter.inbox.digest import envelope_digest
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow, QuarantineRow
from mappings import odr_rest
from scheduler import Runtime
from tests.support.court import Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

Doc = dict[str, Any]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _applied(runtime: Runtime, court: Court) -> Doc:
    """One dispatch applied from the court's feed; its wire document."""
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    doc: Doc = json.loads(court.core._feeds["dispatches"][-1].body)
    return doc


def _replay(court: Court, doc: Doc) -> bytes:
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, doc["xxbh"]))
    return body.encode()


def _state(runtime: Runtime) -> tuple[list[QuarantineRow], int, int, int]:
    with runtime.uow.begin() as session:
        return (
            list(session.exec(select(QuarantineRow)).all()),
            len(session.exec(select(CaseRow)).all()),
            len(session.exec(select(CaseEventRow)).all()),
            len(session.exec(select(InboxRow)).all()),
        )


def _amount(doc: Doc) -> None:
    doc["ajxx"]["bdje"] = "1.00"


def _case(doc: Doc) -> None:
    doc["ajbs"] = doc["ajbs"] + "-other"


def _party(doc: Doc) -> None:
    doc["ajxx"]["dsr"][1]["xm"] = "李四"


@pytest.mark.parametrize(
    ("what", "change"), [("another amount", _amount), ("another case", _case), ("another party", _party)]
)
def test_an_applied_message_id_with_another_body_is_quarantined_as_a_conflict(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture, what: str, change: Callable[[Doc], None]
) -> None:
    """Kept with both digests and its exact bytes, WARNING and one ERROR alert, counted; nothing changes."""
    doc = _applied(runtime, court)
    before = _state(runtime)[1:]
    change(doc)
    raw = _replay(court, doc)
    with caplog.at_level(logging.INFO, logger="docking.ingest"):
        pump(runtime, 1)
    (row,), *after = _state(runtime)
    assert after == list(before)  # the message applied first stands
    with runtime.uow.begin() as session:
        (applied,) = session.exec(select(InboxRow.body_sha256)).all()
    new = envelope_digest(odr_rest.decode("court", raw))
    assert row.reason == "conflict" and row.message_id == doc["xxbh"] and row.raw == raw
    assert applied is not None and applied != new and applied in row.detail and new in row.detail
    assert runtime.metrics.get("inbound_conflict") == 1 and runtime.metrics.get("inbound_duplicate") == 0
    levels = [r.levelno for r in caplog.records if doc["xxbh"] in r.getMessage()]
    assert levels.count(logging.ERROR) == 1 and levels.count(logging.WARNING) == 1


def test_the_alert_is_raised_once_per_message_id(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    """Two different conflicting bodies, and one of them again: both kept once, one ERROR, a WARNING each time."""
    doc = _applied(runtime, court)
    first, second = json.loads(json.dumps(doc)), json.loads(json.dumps(doc))
    _amount(first)
    _party(second)
    with caplog.at_level(logging.INFO, logger="docking.ingest"):
        _replay(court, first)
        _replay(court, second)
        _replay(court, first)
        pump(runtime, 1)
    rows = _state(runtime)[0]
    assert [r.reason for r in rows] == ["conflict", "conflict"] and len({r.raw_sha256 for r in rows}) == 2
    levels = [r.levelno for r in caplog.records if doc["xxbh"] in r.getMessage()]
    assert levels.count(logging.ERROR) == 1 and levels.count(logging.WARNING) == 3
    assert runtime.metrics.get("inbound_conflict") == 3


def test_the_same_message_re_serialised_and_re_signed_is_a_duplicate(runtime: Runtime, court: Court) -> None:
    """Other whitespace, key order, escaping and a fresh signature: the same message, dropped."""
    doc = _applied(runtime, court)
    body = json.dumps(dict(reversed(list(doc.items()))), ensure_ascii=True, indent=2)
    court.core.inject("dispatches", body, court.core.sign_item(body, doc["xxbh"]))
    pump(runtime, 1)
    assert _state(runtime)[0] == []
    assert runtime.metrics.get("inbound_duplicate") == 1 and runtime.metrics.get("inbound_conflict") == 0


def test_a_message_applied_before_digests_were_kept_is_taken_as_a_duplicate(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    """An inbox row without a digest (applied before migration 0008) cannot be compared: duplicate, noted."""
    doc = _applied(runtime, court)
    with runtime.uow.begin() as session:
        session.exec(update(InboxRow).values(body_sha256=None).where(col(InboxRow.message_id) == doc["xxbh"]))
    _amount(doc)
    _replay(court, doc)
    with caplog.at_level(logging.INFO, logger="docking.ingest"):
        pump(runtime, 1)
    assert _state(runtime)[0] == [] and runtime.metrics.get("inbound_duplicate") == 1
    assert any("before the inbox kept digests" in r.getMessage() for r in caplog.records)
