"""A scripted HTTP/1.1 server on loopback (plain or TLS demanding a client certificate) for the direct-route
equivalence tests (tests/integration/test_{soap,rest}_direct_post.py): each request is answered by the script
named by a segment of its path, and every request is kept as the bytes received."""

import socket
import ssl
import struct
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.support.certs import issue, write_pem


def answer(status: str, body: bytes, *headers: str) -> bytes:
    """An answer with these header lines and a Content-Length."""
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body: bytes, content_type: str = "text/xml", status: str = "200 OK", *headers: str) -> bytes:
    """An answer sending `body` in two chunks."""
    head = "\r\n".join([f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *headers, "Transfer-Encoding: chunked"])
    parts = (body[:7], body[7:])
    return head.encode() + b"\r\n\r\n" + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p) + b"0\r\n\r\n"


@dataclass
class Script:
    """What the server does with a request: answer these bytes (None: hang up without answering), then keep the
    connection or close it (`reset`: abort it, the peer sees a TCP reset); `wait` seconds first (past the
    client's read timeout: a timeout)."""

    reply: bytes | None
    close: bool = False
    wait: float = 0.0
    reset: bool = False


@dataclass
class Server:
    """Answers every request on a connection by the first segment of its path that names one of `scripts` (a
    proxy's absolute-form target too); keeps what it received."""

    listener: socket.socket
    scripts: Mapping[str, Script]
    received: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(connection,), daemon=True).start()

    def _connection(self, connection: socket.socket) -> None:
        with connection:
            buffered = b""
            while True:
                while b"\r\n\r\n" not in buffered:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffered += chunk
                head, _, rest = buffered.partition(b"\r\n\r\n")
                lengths = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ]
                length = lengths[0] if lengths else 0
                while len(rest) < length:
                    rest += connection.recv(65536)
                request, buffered = head + b"\r\n\r\n" + rest[:length], rest[length:]
                self.received.append(request)
                target = head.split(b" ")[1].decode().split("?")[0]
                script = self.scripts[next(part for part in target.split("/") if part in self.scripts)]
                threading.Event().wait(script.wait)
                if script.reply is not None:
                    connection.sendall(script.reply)
                if script.reset:  # SO_LINGER on, zero seconds: close() sends RST, not FIN
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    connection.close()
                    return
                if script.close:
                    connection.shutdown(socket.SHUT_RDWR)
                    return


class TlsServer(Server):
    """The scripted server behind TLS that demands a client certificate issued by the test CA."""

    context: ssl.SSLContext

    def _connection(self, connection: socket.socket) -> None:
        try:
            wrapped = self.context.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError):
            connection.close()  # the handshake refused (no client certificate): the client sees why
            return
        super()._connection(wrapped)


@contextmanager
def serving(scripts: Mapping[str, Script]) -> Iterator[Server]:
    """A plain server running `scripts` until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    running = Server(listener, scripts)
    threading.Thread(target=running.serve, daemon=True).start()
    try:
        yield running
    finally:
        listener.close()


@dataclass(frozen=True)
class Tls:
    server: TlsServer
    ca: str  # the CA bundle that verifies the server
    client: tuple[str, str]  # our client certificate and key files


@contextmanager
def serving_tls(scripts: Mapping[str, Script], folder: Path) -> Iterator[Tls]:
    """A TLS server (certificate for 127.0.0.1, client certificate required) running `scripts`; its CA and a
    client certificate written under `folder`."""
    ca_cert, ca_key = issue("Test Court CA", None, ca=True)
    server_files = write_pem(folder / "server", *issue("court.test", (ca_cert.subject, ca_key), ip="127.0.0.1"))
    client_files = write_pem(folder / "client", *issue("centre.test", (ca_cert.subject, ca_key)))
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*server_files)
    context.load_verify_locations(folder / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    running = TlsServer(listener, scripts)
    running.context = context
    threading.Thread(target=running.serve, daemon=True).start()
    try:
        yield Tls(running, str(folder / "ca.pem"), (str(client_files[0]), str(client_files[1])))
    finally:
        listener.close()
