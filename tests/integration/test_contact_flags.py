"""A court's dispatch is never refused for a contact detail: an odd phone is applied, classified and flagged, and
`docking cases show` shows the flag (never the number)."""

import json
import re
import unicodedata
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseEventRow, QuarantineRow
from adapter.states import Event
from sandbox.pairing import control
from scheduler import Runtime
from tests.support.cli import docking, write_config
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration

FLAG = "party 2 phone: unrecognised form"  # the person is the dispatch's second party in the sandbox


@pytest.mark.parametrize("transport", ["rest", "soap"])
@pytest.mark.parametrize(
    ("sent", "kind"),
    [
        ("8765 4321", "unrecognised"),  # a local number without its area code
        ("+852 5123 4567", "international"),
        ("95511-3", "service"),
        ("０２０－８７６５４３２１转１２３", "landline"),
        (13812345678, "mobile"),  # a JSON number (text on the SOAP platform)
    ],
)
def test_a_dispatch_with_an_odd_phone_is_applied_and_cases_show_flags_it(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path, sent: object, kind: str
) -> None:
    """Dispatched through the sandbox court's control API; applied, not quarantined; flagged only if unrecognised."""
    (ajbs,) = control(court.server, "dispatch", {"count": 1, "flow": "01", "phone": sent})["dispatched"]
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    with runtime.uow.begin() as session:
        assert session.exec(select(QuarantineRow)).all() == []
        register = session.exec(
            select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(col(CaseEventRow.id))
        ).first()
    flagged = kind == "unrecognised"
    assert register is not None and register.event == Event.REGISTER.value
    assert (FLAG in register.detail) is flagged

    config = write_config(settings, tmp_path)
    shown = docking("cases", "show", case.id, "--config", str(config), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)  # one JSON object (#13)
    assert doc["flags"] == ([FLAG] if flagged else [])
    assert doc["parties"][1]["phone_kind"] == kind
    table = docking("cases", "show", case.id, "--config", str(config))
    assert table.returncode == 0, table.stderr
    assert (FLAG in table.stdout) is flagged
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", str(sent)))
    assert doc["parties"][1]["phone"].count("*") >= 4, "masked"
    assert digits not in shown.stdout and digits not in table.stdout, "the number is never shown whole"
