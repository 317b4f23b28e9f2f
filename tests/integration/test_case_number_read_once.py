"""A dispatch's 案号 is parsed once, where its canonical record is built: not again by the schema, the flags, the
stored case, its history or the deadline sweep (issue 15, reference/case_intake.py)."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlmodel import select

from adapter.deadlines import DeadlinePolicy, Deadlines, WorkCalendar
from adapter.deadlines.sweep import sweep
from adapter.inbox.polling import poll
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.platforms.registry import PlatformLink
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed, PayloadError
from mappings import court_fields, odr_rest
from reference import case_number
from schemas.case import CaseDispatch
from schemas.clock import CHINA
from schemas.enums import Flow
from schemas.envelope import DispatchBody
from schemas.validation import summarize
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from tests.support import samples

RECEIVED = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)
ENGINE = Deadlines(DeadlinePolicy(), WorkCalendar())
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call of the 案号 parser from now on, by its argument."""
    calls: list[str] = []
    real: Callable[[str], case_number.CaseNumber] = case_number.parse

    def counting(text: str) -> case_number.CaseNumber:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(case_number, "parse", counting)
    return calls


def test_a_dispatch_is_parsed_once_from_intake_through_the_sweep(uow: UnitOfWork, parses: list[str]) -> None:
    """Decode (the boundary) parses the 案号; storing, flagging and three sweeps read what it found."""
    court = FakeCourtPlatform("court", JwsSigner(KEY, "court-key"))
    link = PlatformLink(court, JwsVerifier({"court-key": PublicKeyEntry("court-key", KEY.public_key(), "EdDSA")}))
    dispatch = samples.dispatch(Flow.DELEGATED, "A-1", case_number="（２０２６）粤9999民初1号", court_code=None)
    parses.clear()  # building the sample is a boundary too: count from the court's feed on
    envelope = samples.outbound(DispatchBody(dispatch=dispatch), case_id="A-1", message_id="PQ-A-1", at=RECEIVED)
    court.publish(Feed.DISPATCHES, envelope)
    poll(uow, link, Feed.DISPATCHES, lambda: RECEIVED)
    for days in (1, 2, 30):
        sweep(uow, lambda: RECEIVED + timedelta(days=days), ENGINE)  # noqa: B023  # called before the loop moves on
    assert parses == ["（2026）粤9999民初1号"]
    with uow.begin() as session:
        case = session.exec(select(CaseRow)).one()
        (registered, *_) = session.exec(select(CaseEventRow).where(CaseEventRow.case_id == case.id)).all()
        assert case.court_code == "粤9999"  # from the 案号, the dispatch naming none
        assert "flagged: case number: court code '粤9999' is not in the court table" in registered.detail


def test_a_malformed_case_number_is_refused_as_the_schema_refused_it() -> None:
    """Moving the parse out of the schema changes no refusal: the same field path and message, reason `invalid`."""
    court = FakeCourtPlatform("court")
    dispatch = samples.dispatch(Flow.DELEGATED, "A-2")
    wire = samples.outbound(DispatchBody(dispatch=dispatch), case_id="A-2", message_id="PQ-A-2", at=RECEIVED)
    court.publish(Feed.DISPATCHES, wire.model_copy(update={"body": DispatchBody(dispatch=_with_number(dispatch))}))
    with pytest.raises(PayloadError) as refused:
        court.decode(court.fetch(Feed.DISPATCHES, "", 1).items[0])
    assert refused.value.reason == "invalid"
    assert str(refused.value).endswith(
        "body.dispatch.dispatch.case_number: Value error, '（2026）粤0104民初0号': serial 0 is not a case"
    )
    tables = odr_rest.tables("court")
    fields = {**court_fields.case_from_canonical(dispatch, tables), "ah": "bad"}
    with pytest.raises(ValidationError) as invalid:
        court_fields.case_to_canonical(fields, "A-2", tables)
    assert summarize(invalid.value) == (
        "case_number: Value error, 'bad' is not a case number like （2024）粤0104民初123号 or …号之一"
    )


def _with_number(dispatch: CaseDispatch) -> CaseDispatch:
    """The dispatch as a court might send it, with a 案号 of serial 0 (not built through a boundary)."""
    return dispatch.model_copy(update={"case_number": "（2026）粤0104民初0号", "case_number_reading": None})
