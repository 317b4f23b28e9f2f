"""Errors as the operator reads them at 3 a.m.: which host:port and why a court could not be reached, and whether
waiting helps; a court's refusal is exit 2; configuration mistakes say what was meant; the holiday-data gap is
said once, and under `docking deadlines`."""

import json
import os
import re
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from adapter.keys.keyring import Keyring
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.states import Event
from adapter.testing import free_port
from sandbox.pairing import key_and_certificate
from schemas.enums import Flow
from signing.keyfiles import generate_keypair
from tests.support import samples
from tests.support.cli import docking
from tests.support.court import Court

pytestmark = pytest.mark.integration

# A WARNING log line, in either shape (cli/logs.py): JSON (stderr not a terminal, as here) or console.
LOG_LINE = re.compile(r'^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} CST WARNING |\{.*"level": "warning")', re.M)


def _keyring(folder: Path) -> Path:
    keyring = Keyring.open(folder, create=True)
    keyring.generate("centre-1", "EdDSA", datetime.now(UTC))
    keyring.save()
    return folder


def _config(tmp_path: Path, base_url: str, *, keyring: Path | None = None, extra: str = "") -> Path:
    database = tmp_path / "d.db"
    if not database.exists():
        create_schema(make_engine(f"sqlite:///{database}"))
    court_key = generate_keypair(tmp_path / "court", "court-1").public
    config = tmp_path / "c.toml"
    config.write_text(
        f'database_url = "sqlite:///{database}"\n[platforms.gz]\nbase_url = "{base_url}"\ntimeout_seconds = 2\n'
        f"{extra}[platforms.gz.signing]\n"
        f'keyring = "{keyring or _keyring(tmp_path / "keys")}"\ncourt_keys = {{ "court-1" = "{court_key}" }}\n'
    )
    return config


def _error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    return line


@pytest.fixture
def tls_court(tmp_path: Path) -> Iterator[str]:
    """An HTTPS endpoint on loopback whose certificate is self-signed (no CA the adapter trusts)."""
    key, certificate = key_and_certificate(tmp_path, "court-tls", "ec")
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_refused_connection_names_host_and_port_and_says_try_again(tmp_path: Path) -> None:
    port = free_port()
    result = docking("mappings", "check", "--platform", "gz", "-c", str(_config(tmp_path, f"http://127.0.0.1:{port}")))
    line = _error_line(result, 69)
    assert f"connection refused by 127.0.0.1:{port}" in line and "try again later" in line


def test_a_certificate_that_does_not_verify_says_so_and_not_try_again(tmp_path: Path, tls_court: str) -> None:
    result = docking("mappings", "check", "--platform", "gz", "-c", str(_config(tmp_path, tls_court)))
    line = _error_line(result, 69)
    assert f"TLS certificate of {tls_court.removeprefix('https://')} does not verify" in line
    assert "check the court's certificate, ca_bundle" in line and "try again later" not in line


@pytest.mark.parametrize(
    ("eai", "says", "temporary"),
    [
        ("EAI_NONAME", "cannot resolve court.example (DNS: Name or service not known)", False),
        ("EAI_AGAIN", "cannot resolve court.example now (DNS: Temporary failure in name resolution)", True),
    ],
)
def test_a_name_that_does_not_resolve_is_named(tmp_path: Path, eai: str, says: str, temporary: bool) -> None:
    """DNS answered by a stand-in resolver (no query leaves the machine): a name that does not exist is a
    configuration matter; a resolver that failed for now is worth waiting for."""
    config = _config(tmp_path, "https://court.example:8443")
    messages = {"EAI_NONAME": "Name or service not known", "EAI_AGAIN": "Temporary failure in name resolution"}
    script = (
        "import socket, sys\n"
        "def fail(*args, **kwargs):\n"
        f"    raise socket.gaierror(socket.{eai}, {messages[eai]!r})\n"
        "socket.getaddrinfo = fail\n"
        "from cli.main import main\n"
        f"sys.argv = ['docking', 'mappings', 'check', '--platform', 'gz', '-c', {str(config)!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    line = _error_line(result, 69)
    assert says in line and ("try again later" in line) is temporary
    assert ("check the host name in base_url" in line) is not temporary


class _Refusing(BaseHTTPRequestHandler):
    """A court that answers every request with a business refusal (HTTP 409 and its error code)."""

    def _refuse(self) -> None:
        body = json.dumps({"code": "E409", "message": "request not accepted in this state"}).encode()
        self.send_response(409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_court() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_court_that_refuses_the_request_is_exit_2_not_may_be_down(tmp_path: Path, refusing_court: str) -> None:
    """A court's rejection is a refused request (exit 2, as the README promises), in `mappings check` as in
    `reconcile` — not 69 "the platform may be down"."""
    config = _config(tmp_path, refusing_court)
    line = _error_line(docking("mappings", "check", "--platform", "gz", "-c", str(config)), 2)
    assert "rejected (E409)" in line and "the court refused the request" in line and "may be down" not in line
    reconciled = docking("reconcile", "--scope", "full", "-c", str(config))
    assert reconciled.returncode == 2, reconciled.stderr
    assert "rejected (E409)" in reconciled.stderr and "try again later" not in reconciled.stderr


def test_a_court_that_refuses_our_signature_says_what_to_do_not_may_be_down(tmp_path: Path, court: Court) -> None:
    """A keyring the court has never seen (rotated before the court trusted it): exit 78 with what to give the
    court, in `reconcile` as in any other command — not "try again later"."""
    config = _config(tmp_path, court.server.url, keyring=_keyring(tmp_path / "new-keys"))
    line = _error_line(docking("mappings", "check", "--platform", "gz", "-c", str(config)), 78)
    assert "HTTP 401" in line and "docking keys export-public" in line and "try again later" not in line
    reconciled = docking("reconcile", "--scope", "full", "-c", str(config))
    assert reconciled.returncode == 78, reconciled.stderr
    assert "docking keys export-public" in reconciled.stderr and "try again later" not in reconciled.stderr


def test_a_mistyped_key_gets_did_you_mean(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", extra="poll_secnds = 5\n")
    line = _error_line(docking("cases", "list", "-c", str(config)), 78)
    assert "platforms.gz.poll_secnds: unknown key; did you mean poll_seconds?" in line


def test_an_override_for_a_platform_the_file_lacks_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9")
    env = {**os.environ, "DOCKING_PLATFORMS__SHENZHEN__BASE_URL": "https://sz.example"}
    line = _error_line(docking("cases", "list", "-c", str(config), env=env), 78)
    assert f"DOCKING_PLATFORMS__SHENZHEN__BASE_URL overrides platform 'shenzhen', which config file {config}" in line
    assert "(it has: gz)" in line


def test_an_unknown_docking_variable_is_warned_but_a_named_passphrase_variable_is_not(tmp_path: Path) -> None:
    """DOCKING_DATABASE_UR (a typo) is warned about, in China time; a keyring's passphrase_env is a setting's."""
    config = _config(tmp_path, "http://127.0.0.1:9", extra="")
    config.write_text(config.read_text() + 'passphrase_env = "DOCKING_GZ_PASSPHRASE"\n')
    env = {**os.environ, "DOCKING_DATABASE_UR": "sqlite:///x.db", "DOCKING_GZ_PASSPHRASE": "p"}
    result = docking("cases", "list", "-c", str(config), env=env)
    assert result.returncode == 0, result.stderr
    assert "DOCKING_DATABASE_UR is not a setting and is ignored (did you mean DOCKING_DATABASE_URL?)" in result.stderr
    assert "DOCKING_GZ_PASSPHRASE" not in result.stderr
    assert LOG_LINE.search(result.stderr), result.stderr


def test_a_missing_postgresql_driver_is_named_with_what_to_install(tmp_path: Path) -> None:
    """A supported scheme whose driver is absent (psycopg hidden, as without the extra) says what to install."""
    config = tmp_path / "c.toml"
    config.write_text('database_url = "postgresql+psycopg://docking@127.0.0.1:9/docking"\n')
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from cli.main import main\n"
        f"sys.argv = ['docking', 'cases', 'list', '-c', {str(config)!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    line = _error_line(result, 78)
    assert "driver that is not installed: psycopg (pip install 'court-docking[postgres]')" in line


def test_deadlines_says_once_under_the_table_which_year_has_no_holiday_data(tmp_path: Path) -> None:
    """A case whose deadlines fall in 2030: a note under the table names 2030 once; no WARNING line repeats it."""
    database = tmp_path / "d.db"
    engine = make_engine(f"sqlite:///{database}")
    create_schema(engine)
    received = datetime(2030, 1, 7, 9, 0, tzinfo=samples.CST)
    with UnitOfWork(engine).begin() as session:
        for n in range(3):
            case = create_case(session, samples.dispatch(Flow.DELEGATED, platform_case_id=f"c{n}"), "gz", received)
            transition(session, case, Event.REGISTER, actor="test", at=received + timedelta(minutes=n))
    config = tmp_path / "c.toml"
    config.write_text(f'database_url = "sqlite:///{database}"\n')
    for fmt in ("table", "json"):
        result = docking("deadlines", "--within", "9999w", "-c", str(config), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("no data for 2030") == 1, result.stderr
        assert "note: the holiday calendar has no data for 2030" in result.stderr
        assert not LOG_LINE.search(result.stderr)
    rows = json.loads(docking("deadlines", "--within", "9999w", "-c", str(config), "-f", "json").stdout)
    assert rows and all(row["estimated"] is True for row in rows)


def test_a_demo_in_a_used_workdir_is_refused_before_it_starts(tmp_path: Path) -> None:
    """An earlier demo's keys and database are there: exit 2 saying to give an empty folder (not a key error)."""
    (tmp_path / "gz-odr").mkdir()
    refused = docking("demo", "--cases", "2", "--workdir", str(tmp_path))
    assert refused.returncode == 2 and f"--workdir {tmp_path} is not empty" in refused.stderr, refused.stderr
    assert "new or empty folder" in refused.stderr and list(tmp_path.iterdir()) == [tmp_path / "gz-odr"]
