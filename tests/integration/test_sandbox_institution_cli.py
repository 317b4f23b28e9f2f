"""`docking sandbox institution` as an integrator starts it: several desks in one process, each answering the
REST connector signed with the centre's keyring (bad options: test_sandbox_cli_options.py)."""

import time
from pathlib import Path

import pytest

from adapter.config.platform import SigningSettings
from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from schemas.complaint import ComplaintMessageType
from tests.support import desk_samples as s
from tests.support.cli import docking, printed_urls, served

pytestmark = pytest.mark.integration


def test_the_standalone_desks_answer_the_connector(tmp_path: Path) -> None:
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    with served(
        *("sandbox", "institution", "--port", "0", "--kind", "card_centre"),
        *("--kind", "green_pc", "--keys", str(tmp_path / "desks"), "--seconds-per-day", "0.5"),
        *("--centre-key", f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}"),
    ) as process:
        urls = printed_urls(process, 2)
        signing = SigningSettings(
            keyring=tmp_path / "keys", court_keys={"desk-card-centre": tmp_path / "desks" / "desk-card-centre.pub"}
        )
        desk = ComplaintDeskRest(
            "card", urls[0], build_signer(signing, platform="card"), build_verifier(signing, platform="card")
        )
        assert desk.send(s.forward("TS-1", "F-1")).desk_ref
        kinds: list[ComplaintMessageType] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and ComplaintMessageType.DECIDED not in kinds:
            time.sleep(0.2)
            kinds = [desk.decode(item).body.type for item in desk.fetch("", 50).items]
        assert kinds == [ComplaintMessageType.ACK, ComplaintMessageType.CONTACTED, ComplaintMessageType.DECIDED]
