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
from tests.integration.conftest import Court, pump
from tests.integration.helpers import case_for
from tests.integration.test_cli import docking

pytestmark = pytest.mark.integration

FLAG = "party 2 phone: unrecognised form"  # the person is the dispatch's second party in the sandbox


def _config(settings: Settings, tmp_path: Path) -> Path:
    """A configuration naming the test's database and its data key, as an operator's docking.toml would."""
    assert settings.encryption is not None
    key = settings.encryption.keys["it"]
    assert key.key is not None
    path = tmp_path / "docking.toml"
    path.write_text(
        f'database_url = "{settings.database_url}"\n[encryption]\nactive = "it"\n'
        f'[encryption.keys.it]\nalgorithm = "{key.algorithm}"\nkey = "{key.key.get_secret_value()}"\n'
    )
    return path


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

    config = _config(settings, tmp_path)
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
