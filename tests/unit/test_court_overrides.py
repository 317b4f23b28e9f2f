"""Per-court deadline settings reach a case whatever form its court code arrived in: a full-width 案号 or court
code is stored normalised, read back by the deadline facts, and matched against the `[deadlines.courts]` prefixes."""

import json
import uuid
from datetime import date, datetime

import pytest

from adapter.deadlines import DeadlineKind, DeadlinePolicy, WorkCalendar, case_deadlines, facts_from_history
from adapter.persistence.tables import CaseRow
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from schemas.clock import CHINA
from schemas.enums import Flow
from tests.support import samples
from tests.support.cases import case_row, stored

RECEIVED, ACCEPTED, NOW = (datetime(2026, 3, d, 10, tzinfo=CHINA) for d in (2, 3, 4))
GUANGZHOU = DeadlinePolicy.model_validate({"courts": {"粤01": {"mediation_days_delegated": 20}}})


def _mediation_last_day(store: FakeCaseStore, policy: DeadlinePolicy, **dispatch: object) -> tuple[str | None, date]:
    """Dispatch (flow A) → store → accept → the facts' court code and the mediation deadline's last day."""
    clock = FakeClock(RECEIVED)
    with store.begin() as cases:
        case = cases.create(samples.dispatch(Flow.DELEGATED, uuid.uuid4().hex, **dispatch), platform="p1", at=clock.now)
        cases.transition(case, Event.REGISTER, actor="test", at=clock.now)
        case_id = case.id
    clock.now = ACCEPTED
    CentreServices(store, clock).accept(case_id)
    facts = facts_from_history(*stored(store, case_id))
    due = {d.kind: d for d in case_deadlines(facts, policy, WorkCalendar(), NOW)}
    return facts.court_code, due[DeadlineKind.MEDIATION].due.last_day


@pytest.mark.parametrize(
    "dispatch",
    [
        pytest.param(
            {"case_number": "（２０２６）粤０１０４民初１０６号", "court_code": None}, id="full-width-case-number"
        ),
        pytest.param(
            {"case_number": "（2026）粤0104民初106号", "court_code": "粤０１０４"}, id="full-width-court-code"
        ),
        pytest.param({"case_number": "（2026）粤0104民初106号", "court_code": "\u3000粤0104 "}, id="spaced-court-code"),
        pytest.param(
            {"case_number": "【２０２６】\u3000粤０１０４ 民初 １０６ 号", "court_code": "粤０１０４"},
            id="everything-at-once",
        ),
        pytest.param({"case_number": "（２０２６）粤０１０４民初１０６号之一", "court_code": None}, id="suffixed"),
    ],
)
def test_the_guangzhou_override_applies_to_a_full_width_dispatch(dispatch: dict[str, object]) -> None:
    """The 粤01 override reaches a dispatch written with full-width digits exactly as it reaches an ASCII one."""
    store = FakeCaseStore()
    court, last_day = _mediation_last_day(store, GUANGZHOU, **dispatch)
    _, ascii_last_day = _mediation_last_day(store, GUANGZHOU, case_number="（2026）粤0104民初107号", court_code=None)
    _, statutory_last_day = _mediation_last_day(store, DeadlinePolicy(), **dispatch)
    assert court == "粤0104"
    assert last_day == ascii_last_day != statutory_last_day  # 20 days, not the statutory 30


def test_a_row_stored_before_normalisation_still_finds_its_override() -> None:
    """Rows written by an earlier version kept 粤０１０４ as sent: the facts and the policy fold it."""
    dispatch_json = json.dumps({"court_code": "粤０１０４"}, ensure_ascii=False)
    for row in (case_row(case_number="（２０２６）粤０１０４民初１０６号"), case_row(dispatch_json=dispatch_json)):
        facts = facts_from_history(CaseRow.model_validate(row), [])
        assert facts.court_code == "粤0104"
    assert GUANGZHOU.for_court("粤０１０４").mediation_days_delegated == 20


def test_a_full_width_court_key_in_the_settings_is_the_same_key() -> None:
    """[deadlines.courts."粤０１"] is 粤01; two keys that fold to one court code are refused, not merged silently."""
    policy = DeadlinePolicy.model_validate({"courts": {"粤０１": {"mediation_days_delegated": 20}}})
    assert policy.for_court("粤0104").mediation_days_delegated == 20
    with pytest.raises(ValueError, match="same court code"):
        DeadlinePolicy.model_validate({"courts": {"粤01": {}, "粤０１": {}}})
