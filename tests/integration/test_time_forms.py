"""A court that writes its times as yyyyMMddHHmmss (or any agreed form) works end to end, over REST and SOAP;
one whose form differs from the platform's setting is quarantined naming the field, never read as another year."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.persistence.tables import CaseRow, QuarantineRow
from adapter.states import CaseStatus
from mappings.times import FORMS
from sandbox.court import SandboxConfig
from scheduler import Runtime
from schemas.case import CaseDispatch
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement, case_for, parties, pump, status_of

pytestmark = pytest.mark.integration

# Every form over REST (JSON: numbers stay numbers); over SOAP (XML: every value is text) the digit forms.
CASES = [("rest", form) for form in FORMS] + [("soap", "yyyyMMddHHmmss"), ("soap", "epoch_millis")]


@pytest.fixture(params=CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def case(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def transport(case: tuple[str, str]) -> str:
    return case[0]


@pytest.fixture
def court_form(case: tuple[str, str]) -> str:
    """The form the sandbox court writes (and demands of the centre's send times)."""
    return case[1]


@pytest.fixture
def adapter_form(court_form: str) -> str:
    """The form the adapter's platform setting names; the same as the court's unless a test says otherwise."""
    return court_form


@pytest.fixture
def sandbox_config(court_form: str) -> SandboxConfig:
    return SandboxConfig(
        seed=3,
        decision_delay=0.0,
        redeliver_rate=0.0,
        confirm_rate=1.0,
        reject_rate=0.0,
        court_key_id=COURT_KID,
        timestamp_format=court_form,
    )


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings, adapter_form: str) -> Settings:
    platform = court.pairing.platform(court.server, timeout_seconds=5, timestamp_format=adapter_form)
    return Settings(database_url=database_url, encryption=encryption, platforms={PLATFORM: platform})


def _quarantine(runtime: Runtime) -> list[QuarantineRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(QuarantineRow)).all())


def test_a_court_in_its_own_time_form_runs_a_case_to_judicial_confirmation(runtime: Runtime, court: Court) -> None:
    """The dispatch is read in the court's form as China time (this year, not 2612), everything the centre
    sends carries the court's form (the court refuses anything else), and the ruling comes back the same way."""
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    row = case_for(runtime, ajbs)
    dispatched_at = CaseDispatch.model_validate_json(row.dispatch_json).dispatched_at
    assert before <= dispatched_at <= datetime.now(UTC) + timedelta(seconds=1)
    s = runtime.services
    s.accept(row.id)
    s.assign_mediator(row.id, "陈调解员")
    assert s.submit_agreement(row.id, agreement(), DOCUMENT) is CaseStatus.AGREEMENT_EFFECTIVE
    pump(runtime)
    s.apply_jc(row.id, *parties(runtime, row.id))
    pump(runtime)
    assert status_of(runtime, row.id) is CaseStatus.JC_CONFIRMED
    assert court.core.status([ajbs]) == {ajbs: "61"}
    assert court.core.rejected == [] and _quarantine(runtime) == []


@pytest.mark.parametrize(
    ("case", "adapter_form", "field"),
    [
        (("rest", "yyyyMMddHHmmss"), "iso8601", "ajxx.pqsj"),  # the court, with the setting left out
        (("rest", "iso8601"), "yyyyMMddHHmmss", "ajxx.pqsj"),
        (("rest", "epoch_millis"), "epoch_seconds", "ajxx.pqsj"),
        (("soap", "yyyyMMddHHmmss"), "epoch_seconds", "ajxx.pqsj"),  # as seconds it would be the year 2612
    ],
    indirect=["case"],
    ids=["yyyyMMddHHmmss-read-as-iso", "iso-read-as-yyyyMMddHHmmss", "ms-read-as-s", "soap-digits-read-as-epoch"],
)
def test_a_court_whose_times_are_not_in_the_agreed_form_is_quarantined_naming_the_field(
    runtime: Runtime, court: Court, adapter_form: str, field: str
) -> None:
    """A dispatch in another form is kept in quarantine as malformed, naming the field and the agreed form."""
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "malformed" and f"field {field} " in row.detail and adapter_form in row.detail
    with runtime.uow.begin() as session:
        assert session.exec(select(CaseRow)).all() == []
