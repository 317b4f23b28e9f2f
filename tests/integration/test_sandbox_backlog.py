"""A sandbox server takes as many connections at once as a delivery worker opens (one per send in flight), as a
platform's front end would: none waits out the kernel's one-second SYN retransmission."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from sandbox.loopback import LoopbackHTTPServer, LoopbackRequestHandler

pytestmark = pytest.mark.integration


class _Answer(LoopbackRequestHandler):
    def handle_request(self, method: str) -> None:
        self.send_raw(200, b"ok", "text/plain")


@pytest.fixture
def server() -> Iterator[LoopbackHTTPServer[object]]:
    with LoopbackHTTPServer(object(), _Answer) as running:
        yield running


@pytest.mark.parametrize("at_once", [16, 48])
def test_connections_opened_at_once_are_all_taken_without_a_retransmission(
    server: LoopbackHTTPServer[object], at_once: int
) -> None:
    """Every connection is accepted and answered well under the 1 s a dropped SYN costs."""
    host, port = server.server_address[:2]
    waited: list[float] = []
    go = threading.Barrier(at_once)

    def connect() -> None:
        go.wait()
        started = time.perf_counter()
        with socket.create_connection((str(host), int(port)), timeout=5) as connection:
            waited.append(time.perf_counter() - started)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: sandbox\r\n\r\n")
            assert connection.recv(1024).startswith(b"HTTP/1.1 200")
            go.wait()  # all held open together, as a worker's keep-alive pool holds them

    threads = [threading.Thread(target=connect) for _ in range(at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waited) == at_once
    assert max(waited) < 0.9
