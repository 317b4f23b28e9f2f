"""`docking sandbox arbitration` as an integrator starts it: the commission answers the centre's partner connector
(the generic REST connector with the arb-commission wire) signed with the centre's keyring, accepts an application
within its 5 days (compressed) under its own case numbers (bad options: test_sandbox_cli_options.py)."""

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.config.platform import SigningSettings
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.arbitration_wire_samples import application
from tests.support.arbitration_world import commission_port
from tests.support.cli import docking, served

pytestmark = pytest.mark.integration


def test_the_standalone_commission_answers_the_connector(tmp_path: Path) -> None:
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    with served(
        *("sandbox", "arbitration", "--port", "0", "--keys", str(tmp_path / "gzac")),
        *("--seconds-per-day", "0.2", "--abbreviation", "穗仲", "--first-case-number", "7"),
        *("--centre-key", f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}"),
    ) as process:
        assert process.stdout is not None
        base = ""
        for _ in range(60):
            found = re.search(
                r"base_url for \[partners\.gzac\] .*: (http://127\.0\.0\.1:\d+/\S+)", process.stdout.readline()
            )  # the table named, not swallowed as markup (issue 19)
            if found:
                base = found.group(1)
                break
        assert base, "the commission did not print its base_url"
        signing = SigningSettings(
            keyring=tmp_path / "keys", court_keys={"commission-2026-01": tmp_path / "gzac" / "commission-2026-01.pub"}
        )
        port = commission_port(base, signing, lambda: datetime.now(UTC))
        body = {"application": application().model_dump(mode="json"), "submitted_at": datetime.now(UTC).isoformat()}
        sent = PartnerEnvelope(message_id="M-1", kind=PartnerKind.ARBITRATION, partner="gzac", record_id="AR-1",
                               type="arb.application", sent_at=datetime.now(UTC), body=body)  # fmt: skip
        assert re.fullmatch(r"（20\d\d）穗仲案字第7号", port.send(sent).partner_ref or "")
        kinds: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "arb.accepted" not in kinds:
            time.sleep(0.2)
            kinds = [port.decode(item).type for item in port.fetch("", 50).items]
        assert kinds == ["arb.receipt", "arb.accepted"]
