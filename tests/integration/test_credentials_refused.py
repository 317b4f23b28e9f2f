"""A court refusing our signature (401/403) holds the platform: no message dies or counts an attempt, one alert,
one probe per cool-down, and delivery resumes by itself — at the HTTP level with `responses`, on a real outbox."""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from adapter.outbox.delivery import deliver_due
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import OutboxRow
from adapter.platforms.credential_hold import CredentialHold
from adapter.platforms.registry import PlatformLink
from adapter.platforms.retry import RetryPolicy
from adapter.services import CentreServices
from adapter.states import Event
from connectors.odr_rest import OdrRestPlatform
from connectors.port import CredentialsRefused, RejectedError, Throttled, TransientError
from schemas.case import CaseDispatch, Party
from schemas.clock import from_db
from schemas.enums import Flow, IdType, PartyKind, PartyRole
from signing.jws import JwsSigner, JwsVerifier

BASE = "http://127.0.0.1:9"
URL = f"{BASE}/api/v1/messages"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PROBE = timedelta(seconds=30)


def _connector() -> OdrRestPlatform:
    return OdrRestPlatform("court", BASE, JwsSigner(Ed25519PrivateKey.generate(), "centre-2026-07"))


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    create_schema(engine)
    uow = UnitOfWork(engine)
    hold = CredentialHold("court", probe_every=PROBE)
    link = PlatformLink(_connector(), JwsVerifier({}), retry=RetryPolicy(give_up_after=timedelta(hours=24)), hold=hold)
    dispatch = CaseDispatch(
        platform_case_id="A1",
        flow=Flow.DELEGATED,
        cause="信用卡纠纷",
        amount=Decimal("1.00"),
        parties=tuple(
            Party(name=n, role=r, kind=PartyKind.NATURAL_PERSON, id_type=IdType.OTHER, id_number="x1")
            for n, r in (("甲", PartyRole.APPLICANT), ("乙", PartyRole.RESPONDENT))
        ),
        dispatched_at=NOW,
    )
    case_ids = []
    with uow.begin() as session:
        for pid in ("A1", "A2"):
            case = create_case(session, dispatch.model_copy(update={"platform_case_id": pid}), "court", NOW)
            transition(session, case, Event.REGISTER, actor="test", at=NOW)
            case_ids.append(case.id)
    return uow, {"court": link}, CentreServices(SqlCaseStore(uow), lambda: NOW), case_ids


def _ok(request):
    return 200, {}, json.dumps({"code": "0", "xxbh": json.loads(request.body)["xxbh"], "duplicate": False})


def _rows(uow):
    with uow.begin() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)).all())


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_a_refused_signature_holds_the_platform_and_no_message_dies(
    world, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Two messages, a court refusing our key for 25 hours (past give_up_after), then accepting it: one request
    per probe, nothing dead, no attempt counted, one alert, both delivered once it accepts us."""
    uow, platforms, services, case_ids = world
    for case_id in case_ids:
        services.accept(case_id)
    refusal = {"code": "E401", "message": "signature refused (unknown_key): key id 'centre-2026-07' is not configured"}
    responses.add(responses.POST, URL, json=refusal, status=status)
    with caplog.at_level(logging.WARNING):
        assert deliver_due(uow, platforms, lambda: NOW) == {"held": 2}
        assert len(responses.calls) == 1  # the first refusal holds the platform: the second message is not sent
        rows = _rows(uow)
        assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]
        assert {from_db(r.next_attempt_at) for r in rows} == {NOW + PROBE}
        assert all((r.last_error or "").startswith("held: the court refuses our credentials (E401") for r in rows)
        assert deliver_due(uow, platforms, lambda: NOW + PROBE / 2) == {}  # nothing due before the probe
        day_later = NOW + timedelta(hours=25)
        assert deliver_due(uow, platforms, lambda: day_later) == {"held": 2}  # one probe; still not dead
        assert len(responses.calls) == 2
        responses.replace(responses.POST, URL, body=b"")
        responses.add_callback(responses.POST, URL, callback=_ok)
        assert deliver_due(uow, platforms, lambda: day_later + PROBE) == {"delivered": 2}
    assert [(r.status, r.attempts) for r in _rows(uow)] == [("delivered", 1), ("delivered", 1)]
    alerts = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(alerts) == 1 and "platform court" in alerts[0].message and "unknown_key" in alerts[0].message
    assert any("accepts our signature again" in r.message for r in caplog.records)
    assert not [r for r in caplog.records if r.name == "docking.delivery"]  # no per-message warnings


STATUSES = {
    400: RejectedError,
    401: CredentialsRefused,
    403: CredentialsRefused,
    404: RejectedError,
    408: TransientError,
    409: RejectedError,
    422: RejectedError,
    429: Throttled,  # a TransientError: the court asks us to slow down (#21)
    500: TransientError,
    503: TransientError,
}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"code": "E403", "message": "signature refused"}, CredentialsRefused),  # the court names our credentials
        ({"code": "FORBIDDEN_CASE", "message": "case 0104-1 is not assigned to this organisation"}, RejectedError),
        (None, TransientError),  # a proxy's or firewall's HTML page: not the court's word on us or the message
    ],
    ids=["credentials", "this-request", "not-the-court"],
)
@responses.activate
def test_a_403_holds_only_when_the_court_names_our_credentials(body: dict[str, str] | None, kind: type) -> None:
    """403 is authorisation: a hold when the court's answer is about our key, a refusal of this request when it is
    about the case, and a transient fault when it does not come from the court at all."""
    url = f"{BASE}/api/v1/cases/status"
    if body is None:
        responses.add(responses.POST, url, body=b"<html>Access denied by policy</html>", status=403)
    else:
        responses.add(responses.POST, url, json=body, status=403)
    with pytest.raises(kind) as caught:
        _connector().query_status(["x"])
    assert type(caught.value) is kind


@pytest.mark.parametrize(("status", "kind"), STATUSES.items())
@responses.activate
def test_each_http_status_is_translated_once_into_its_kind(status: int, kind: type) -> None:
    """401/403 are about who signed (held, never dead); other 4xx about the message (dead); 408/429/5xx transient."""
    responses.add(responses.POST, f"{BASE}/api/v1/cases/status", json={"code": f"E{status}"}, status=status)
    with pytest.raises(kind) as caught:
        _connector().query_status(["x"])
    assert type(caught.value) is kind and str(status) in str(caught.value)
