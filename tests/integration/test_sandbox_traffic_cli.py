"""`docking sandbox traffic` as an integrator starts it: the platform offers cases at start-up and answers the
traffic-platform connector signed with the centre's keyring (bad options: test_sandbox_cli_options.py)."""

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from adapter.config.partners import PartnerSettings
from adapter.config.platform import SigningSettings
from adapter.config.settings import EncryptionSettings, Settings
from api.clients import Role, add_client
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from schemas.partner import PartnerEnvelope, PartnerKind
from signing.keyfiles import generate_keypair
from tests.support.api import served as served_api
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


def test_the_standalone_platform_pushes_its_offers_to_the_served_api(
    tmp_path: Path, database_url: str, encryption: EncryptionSettings
) -> None:
    """`--push-to URL --push-key KEY --partner NAME`: each offer POSTed to the centre's served API (POST
    /api/partners/v1/gd-traffic/messages, the platform's key of role partner:gd-traffic, its own signature), opened
    there as a record; nothing refused."""
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    generate_keypair(tmp_path / "platform", "traffic-2026-01", "EdDSA")  # the platform's key, known before it starts
    signing = SigningSettings(
        keyring=tmp_path / "keys", court_keys={"traffic-2026-01": tmp_path / "platform" / "traffic-2026-01.pub"}
    )
    partner = PartnerSettings(kind="traffic", base_url="http://127.0.0.1:9/unused", signing=signing, mode="push")
    runtime = build_runtime(
        Settings(database_url=database_url, encryption=encryption, partners={"gd-traffic": partner})
    )
    key = add_client(runtime.uow, "gd-traffic", Role.parse("partner:gd-traffic"), utc_now())
    with served_api(runtime) as base:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "cli", "sandbox", "traffic", "--port", "0", "--offers", "2"),
                *(
                    "--keys",
                    str(tmp_path / "platform"),
                    "--centre-key",
                    f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}",
                ),
                *("--push-to", base, "--push-key", key, "--partner", "gd-traffic"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while len(_records(runtime)) < 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
        finally:
            process.kill()
            process.wait()
    records = _records(runtime)
    assert [(partner, status) for partner, status, _ in records] == [("gd-traffic", "OFFERED")] * 2
    assert all(ref for _, _, ref in records)  # opened by the platform's reference
    with runtime.uow.engine.connect() as connection:
        assert list(connection.execute(text("SELECT reason FROM quarantine"))) == []
    runtime.uow.engine.dispose()


def _records(runtime: Runtime) -> list[tuple[str, str, str]]:
    with runtime.uow.engine.connect() as connection:
        query = text("SELECT partner, status, partner_ref FROM partner_records ORDER BY partner_ref")
        return [(str(a), str(b), str(c)) for a, b, c in connection.execute(query)]
