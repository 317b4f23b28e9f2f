"""`docking sandbox traffic` as an integrator starts it: the platform offers cases at start-up and answers the
traffic-platform connector signed with the centre's keyring (bad options: test_sandbox_cli_options.py)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.config.platform import SigningSettings
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.cli import docking, printed_urls, served
from tests.support.traffic_sandbox import traffic_port

pytestmark = pytest.mark.integration


def test_the_standalone_platform_answers_the_connector(tmp_path: Path) -> None:
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    with served(
        *("sandbox", "traffic", "--port", "0", "--offers", "2", "--keys", str(tmp_path / "platform")),
        *("--fault", "duplicate_push", "--centre-key", f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}"),
    ) as process:
        (url,) = printed_urls(process)
        signing = SigningSettings(
            keyring=tmp_path / "keys", court_keys={"traffic-2026-01": tmp_path / "platform" / "traffic-2026-01.pub"}
        )
        client = traffic_port("gd", url, signing)
        offers = [client.decode(item) for item in client.fetch("", 50).items]
        assert [o.type for o in offers] == ["traffic.case_offered"] * 4  # two offers, each published twice
        serial = offers[0].partner_ref
        answer = PartnerEnvelope(
            message_id="C-1",
            kind=PartnerKind.TRAFFIC,
            partner="gd",
            record_id="TR-000001",
            partner_ref=serial,
            type="traffic.offer_answer",
            sent_at=datetime.now(UTC),
            body={"accepted": True, "answered_at": datetime.now(UTC).isoformat()},
        )
        assert client.send(answer).partner_ref == serial
        assert client.query_status(["TR-000001"])["TR-000001"] is not None
