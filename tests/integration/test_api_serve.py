"""`docking serve` and `docking clients` as an operator runs them: real processes, a config file, SIGTERM."""

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from adapter.config.settings import Settings
from adapter.testing import free_port
from tests.support.api import config_toml, until
from tests.support.certs import issue, write_pem
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


def test_serve_speaks_tls_and_requires_a_client_certificate_when_given_a_ca(tmp_path: Path) -> None:
    """[api] tls_certificate/tls_key: HTTPS only; tls_client_ca: a client without a certificate from it is cut off."""
    ca, ca_key = issue("test CA", None, ca=True)
    ca_pem, _ = write_pem(tmp_path / "ca", ca, ca_key)
    server_cert, server_key_path = write_pem(
        tmp_path / "server", *issue("127.0.0.1", (ca.subject, ca_key), ip="127.0.0.1")
    )
    client = write_pem(tmp_path / "client", *issue("centre", (ca.subject, ca_key)))
    port = free_port()
    config = tmp_path / "docking.toml"
    tls = (
        'tls_certificate = "server/cert.pem"\ntls_key = "server/key.pem"\ntls_client_ca = "ca/cert.pem"\n'
        "request_timeout_seconds = 5"
    )
    config.write_text(config_toml(Settings(database_url="sqlite:///adapter.db"), port=port, api=tls))
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    server = _serve(config, "--no-jobs")
    base = f"https://127.0.0.1:{port}"
    try:
        health = until(lambda: requests.get(f"{base}/healthz", verify=ca_pem, cert=tuple(map(str, client)), timeout=2))
        assert health.json() == {"status": "ok"}
        with pytest.raises(requests.ConnectionError):  # TLS 1.3: refused after the handshake, as a reset
            requests.get(f"{base}/healthz", verify=ca_pem, timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        _, err = server.communicate()
    assert code == 0, err
    assert server_cert.exists() and server_key_path.exists()


def test_serve_on_a_taken_port_says_so_and_starts_nothing(tmp_path: Path, settings: Settings) -> None:
    """Another process listens on the port: exit 75 (systemd tries again; 78 would stop it for good) naming the
    address and how to choose another, before any job starts (no run lock taken, no heartbeat written)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "docking.toml"
        config.write_text(config_toml(settings, port=port))
        assert docking("db", "upgrade", "--config", str(config)).returncode == 0
        refused = docking("serve", "--config", str(config))
    assert refused.returncode == 75, refused.stderr
    assert f"cannot serve the API on 127.0.0.1:{port}: another process listens there" in refused.stderr
    assert "--port" in refused.stderr and "Traceback" not in refused.stderr and "uvicorn" not in refused.stderr
    status = docking("status", "--format", "json", "--config", str(config))
    assert json.loads(status.stdout)["processes"] == [], status.stdout
