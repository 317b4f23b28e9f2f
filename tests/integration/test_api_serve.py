"""`docking serve` and `docking clients` as an operator runs them: real processes, a config file, SIGTERM."""

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapter.config.settings import Settings
from adapter.testing import free_port
from tests.support.api import config_toml, until
from tests.support.cli import docking
from tests.support.court import Court

pytestmark = pytest.mark.integration


def _serve(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _key(config: Path, name: str, role: str) -> str:
    made = docking("clients", "add", name, "--role", role, "--config", str(config))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_serve_runs_the_api_and_the_jobs_and_stops_cleanly(tmp_path: Path, settings: Settings, court: Court) -> None:
    """A dispatch polled by the serve process is accepted over HTTP and delivered by the same process; a revoked
    key is refused at once; SIGTERM ends it with exit 0; no key is ever printed but by `clients add`."""
    port = free_port()
    config = tmp_path / "docking.toml"
    config.write_text(config_toml(settings, port=port))
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    centre_key = _key(config, "case-system", "centre")
    court_key = _key(config, "gz-court", "court:court")
    refused = docking("clients", "add", "stranger", "--role", "court:elsewhere", "--config", str(config))
    assert refused.returncode == 2 and "not configured" in refused.stderr
    listed = docking("clients", "list", "--format", "json", "--config", str(config))
    assert [(c["name"], c["role"], c["state"]) for c in json.loads(listed.stdout)] == [
        ("case-system", "centre", "active"),
        ("gz-court", "court:court", "active"),
    ]
    assert centre_key not in listed.stdout and centre_key.startswith(json.loads(listed.stdout)[0]["key_prefix"])
    server = _serve(config)
    base = f"http://127.0.0.1:{port}"
    centre = {"Authorization": f"Bearer {centre_key}"}
    try:
        until(lambda: requests.get(f"{base}/healthz", timeout=2).ok)
        (ajbs,) = court.core.dispatch(1, "01")
        cases = until(lambda: requests.get(f"{base}/api/centre/v1/cases", headers=centre, timeout=5).json()["items"])
        case_id = cases[0]["id"]
        accepted = requests.post(
            f"{base}/api/centre/v1/cases/{case_id}/accept",
            json={},
            headers={**centre, "Idempotency-Key": "first"},
            timeout=5,
        )
        assert accepted.status_code == 200, accepted.text
        until(lambda: court.core.status([ajbs])[ajbs] == "20")
        court_auth = {"Authorization": f"Bearer {court_key}"}
        mine = until(lambda: requests.get(f"{base}/api/court/v1/cases/{ajbs}", headers=court_auth, timeout=5).json())
        assert mine["court_status"] == "accepted" and mine["case_id"] == case_id

        def delivered() -> bool:
            sent = requests.get(f"{base}/api/court/v1/cases/{ajbs}", headers=court_auth, timeout=5).json()["messages"]
            return [(m["type"], m["status"]) for m in sent] == [("progress", "delivered")]

        until(delivered)
        jwks = requests.get(f"{base}/.well-known/jwks.json", headers=court_auth, timeout=5)
        assert [k["x-platform"] for k in jwks.json()["keys"]] == ["court"] and jwks.json()["keys"][0]["kid"]
        assert docking("clients", "revoke", "case-system", "--config", str(config)).returncode == 0
        after = requests.get(f"{base}/api/centre/v1/cases", headers=centre, timeout=5)
        assert after.status_code == 401 and after.headers["Content-Type"] == "application/problem+json"
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        out, err = server.communicate()
    assert code == 0, err
    assert "Traceback" not in err and centre_key not in out + err and court_key not in out + err
    assert "stopped" in err


def _certificate(name: str, key: Any, issuer: tuple[x509.Name, Any] | None, *, ca: bool) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_serve_speaks_tls_and_requires_a_client_certificate_when_given_a_ca(tmp_path: Path) -> None:
    """[api] tls_certificate/tls_key: HTTPS only; tls_client_ca: a client without a certificate from it is cut off."""
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("test CA", ca_key, None, ca=True)
    _write(tmp_path, "ca", ca, ca_key)
    server_cert, server_key_path = _write(
        tmp_path, "server", _certificate("127.0.0.1", server_key, (ca.subject, ca_key), ca=False), server_key
    )
    client = _write(tmp_path, "client", _certificate("centre", client_key, (ca.subject, ca_key), ca=False), client_key)
    port = free_port()
    config = tmp_path / "docking.toml"
    tls = (
        'tls_certificate = "server.pem"\ntls_key = "server.key"\ntls_client_ca = "ca.pem"\nrequest_timeout_seconds = 5'
    )
    config.write_text(config_toml(Settings(database_url="sqlite:///adapter.db"), port=port, api=tls))
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    server = _serve(config, "--no-jobs")
    base = f"https://127.0.0.1:{port}"
    try:
        health = until(
            lambda: requests.get(f"{base}/healthz", verify=tmp_path / "ca.pem", cert=tuple(map(str, client)), timeout=2)
        )
        assert health.json() == {"status": "ok"}
        with pytest.raises(requests.ConnectionError):  # TLS 1.3: refused after the handshake, as a reset
            requests.get(f"{base}/healthz", verify=tmp_path / "ca.pem", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        _, err = server.communicate()
    assert code == 0, err
    assert server_cert.exists() and server_key_path.exists()
