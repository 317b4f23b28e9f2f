"""Mutual TLS: a court that demands a client certificate is reached with the one configured, and only with it."""

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from sandbox.rest import SandboxServer
from scheduler import build_runtime
from tests.support.certs import issue, write_pem

pytestmark = pytest.mark.integration


@pytest.fixture
def tls_court(tmp_path: Path) -> Iterator[tuple[SandboxServer, Path, Path, Path, object]]:
    ca_cert, ca_key = issue("Test Court CA", None, ca=True)
    server_cert, server_key = issue("court.test", (ca_cert.subject, ca_key), ip="127.0.0.1")
    client_cert, client_key = issue("centre.test", (ca_cert.subject, ca_key))
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_files = write_pem(tmp_path / "server", server_cert, server_key)
    client_cert_path, client_key_path = write_pem(tmp_path / "client", client_cert, client_key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*server_files)
    context.load_verify_locations(ca_pem)
    context.verify_mode = ssl.CERT_REQUIRED  # the court demands our client certificate
    pairing = pair(tmp_path, SandboxConfig(redeliver_rate=0.0))
    server = SandboxServer(pairing.core, tls=context).start()
    yield server, ca_pem, client_cert_path, client_key_path, pairing
    server.stop()


def test_a_court_requiring_client_certificates_is_polled_with_ours(tls_court, tmp_path: Path) -> None:
    """With client_cert/client_key/ca_bundle configured, dispatches arrive over HTTPS."""
    server, ca_pem, cert, key, pairing = tls_court
    pairing.core.dispatch(2, "01")
    platform = PlatformSettings(
        base_url=server.url,
        signing=pairing.signing,
        client_cert=cert,
        client_key=key,
        ca_bundle=ca_pem,
        timeout_seconds=5,
    )
    runtime = build_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", platforms={"court": platform}))
    runtime.poll_platform("court")
    assert runtime.metrics.get("inbound_applied") == 2 and runtime.metrics.get("poll_errors") == 0


def test_without_a_client_certificate_the_court_refuses_the_connection(tls_court, tmp_path: Path) -> None:
    """The same court without our certificate: polling fails (and is counted), nothing is applied."""
    server, ca_pem, _, _, pairing = tls_court
    pairing.core.dispatch(1, "01")
    platform = PlatformSettings(base_url=server.url, signing=pairing.signing, ca_bundle=ca_pem, timeout_seconds=5)
    runtime = build_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", platforms={"court": platform}))
    runtime.poll_platform("court")
    assert runtime.metrics.get("inbound_applied") == 0 and runtime.metrics.get("poll_errors") == 2
