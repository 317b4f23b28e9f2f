"""Every way a court can fail to answer, through both connectors: the error names host:port and the cause, and
says whether waiting will help (connectors/http.py describe_failure, connectors/port.py TransientError)."""

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from adapter.platforms.signers import build_signer
from connectors.port import Feed, TransientError
from sandbox.pairing import key_and_certificate
from scheduler import build_connector
from schemas.clock import utc_now
from tests.support.court import Court

pytestmark = pytest.mark.integration


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class _Listener:
    """A loopback socket that accepts connections and then either says nothing or hangs up at once."""

    def __init__(self, *, hang_up: bool) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.hang_up = hang_up
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            if self.hang_up:
                connection.recv(65536)
                connection.close()
            else:
                self.held.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def endpoint(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A base URL that fails in the way the test names."""
    fault = request.param
    if fault == "refused":
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    elif fault in ("silent", "hang_up"):
        listener = _Listener(hang_up=fault == "hang_up")
        yield f"http://127.0.0.1:{listener.port}"
        listener.close()
    elif fault == "self_signed":
        key, certificate = key_and_certificate(tmp_path, "tls", "ec")
        server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        yield f"https://127.0.0.1:{server.server_port}"
        server.shutdown()
    else:  # a stand-in resolver: no DNS query leaves the machine
        code, text = {
            "no_such_name": (socket.EAI_NONAME, "Name or service not known"),
            "resolver_down": (socket.EAI_AGAIN, "Temporary failure in name resolution"),
        }[fault]

        def resolve(*args: object, **kwargs: object) -> list[object]:
            raise socket.gaierror(code, text)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        yield "https://court.example:8443"


@pytest.mark.parametrize(
    ("endpoint", "cause", "says", "temporary"),
    [
        ("refused", "refused", "connection refused by 127.0.0.1:{port}", True),
        ("silent", "timeout", "no answer from 127.0.0.1:{port} within the timeout", True),
        ("hang_up", "dropped", "connection to 127.0.0.1:{port} dropped before an answer", True),
        ("self_signed", "tls", "TLS certificate of 127.0.0.1:{port} does not verify: self-signed certificate", False),
        ("no_such_name", "dns", "cannot resolve court.example (DNS: Name or service not known)", False),
        ("resolver_down", "dns_temporary", "cannot resolve court.example now (DNS: Temporary", True),
    ],
    indirect=["endpoint"],
)
def test_a_court_that_cannot_be_reached_is_named_with_the_cause(
    court: Court, endpoint: str, cause: str, says: str, temporary: bool
) -> None:
    """REST and SOAP alike: host:port, what happened, and "try again later" only where waiting helps."""
    settings = court.pairing.platform(court.server, timeout_seconds=0.5).model_copy(update={"base_url": endpoint})
    connector = build_connector("gz", settings, build_signer(settings.signing, platform="gz"), utc_now)
    with pytest.raises(TransientError) as caught:
        connector.fetch(Feed.DISPATCHES, "", 10)
    error = caught.value
    port = endpoint.rsplit(":", 1)[1]
    assert error.cause == cause and says.format(port=port) in str(error)
    assert error.temporary is temporary and ("try again later" in error.advice) is temporary
