"""What the HTTP client itself costs a SOAP send: the client's CPU per POST through urllib3's pool (what
connectors/direct_post.py uses), through http.client alone, and as a minimal HTTP/1.1 exchange on a bare socket.

    python -m bench.http_client [--posts 4000] [--runs 3]

A server in its own process answers every request at once with a fixed 3,000-byte SOAP-sized answer (the shape of
the sandbox court's headers); each client sends the same 5,000-byte body with the eight headers a SOAP send carries,
one at a time on one keep-alive connection. Only the client's CPU is counted (its process_time), so the server's
speed does not enter. urllib3_ratio = urllib3's µs ÷ http.client's, raw_ratio = the bare exchange's ÷ http.client's.

Why it is here (#21, soap_ratio): a SOAP message's CPU on 2 shared cores is mostly fixed — two RSA-2048 signatures
(ours and the court's, ~700 µs each on the session 17 machine) — and the HTTP client is the largest part left that
is not ours to shorten: replacing urllib3 (or http.client) would mean our own HTTP client, which the project's rules
rule out (a well-kept library beats our own code). This bench keeps that figure reproducible.
"""

import argparse
import http.client
import json
import multiprocessing
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import urllib3

from bench.signals import exit_on_sigterm

ANSWER = (
    b"HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11\r\nDate: Wed, 02 Dec 2026 10:00:00 GMT\r\n"
    b"Content-Type: text/xml; charset=utf-8\r\nContent-Length: 3000\r\n\r\n" + b"x" * 3000
)
BODY = b"y" * 5000
HEADERS = {
    "SOAPAction": '"urn:court-docking:exchange:v1:SubmitProgress"',
    "Content-Type": "text/xml; charset=utf-8",
    "Content-Length": str(len(BODY)),
    "User-Agent": "python-requests/2.32",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
    "Connection": "keep-alive",
}


def _serve(port: Any) -> None:
    """Answer every request on every connection with ANSWER, until killed (a daemon process)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port.value = listener.getsockname()[1]
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=_answer, args=(connection,), daemon=True).start()


def _answer(connection: socket.socket) -> None:
    pending = b""
    while data := connection.recv(65536):
        pending += data
        while (end := pending.find(b"\r\n\r\n")) >= 0:
            head = pending[:end].decode("latin-1").lower()
            length = next(
                (int(line.split(":")[1]) for line in head.split("\r\n") if line.startswith("content-length")), 0
            )
            if len(pending) < end + 4 + length:
                break
            pending = pending[end + 4 + length :]
            connection.sendall(ANSWER)


def _clients(port: int) -> dict[str, Callable[[], bytes]]:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1)
    plain = http.client.HTTPConnection("127.0.0.1", port)
    bare = socket.create_connection(("127.0.0.1", port))
    reader = bare.makefile("rb")
    request = b"POST /ws/exchange HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    request += b"".join(f"{k}: {v}\r\n".encode() for k, v in HEADERS.items()) + b"\r\n" + BODY

    def with_urllib3() -> bytes:
        answer = pool.urlopen(
            "POST", "/ws/exchange", body=BODY, headers=HEADERS, retries=False, redirect=False, preload_content=False
        )
        data = answer.read()
        answer.release_conn()
        return bytes(data)

    def with_http_client() -> bytes:
        plain.request("POST", "/ws/exchange", body=BODY, headers=HEADERS)
        return plain.getresponse().read()

    def bare_socket() -> bytes:
        bare.sendall(request)
        length = 0
        while (line := reader.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length"):
                length = int(line.split(b":")[1])
        return reader.read(length)

    return {"urllib3": with_urllib3, "http_client": with_http_client, "raw": bare_socket}


def one_run(port: int, posts: int) -> dict[str, float]:
    figures = {}
    for name, post in _clients(port).items():
        for _ in range(200):  # connections open, caches warm
            post()
        started = time.process_time()
        for _ in range(posts):
            if len(post()) != 3000:
                raise RuntimeError(f"{name}: a short answer")
        figures[f"{name}_cpu_us"] = (time.process_time() - started) / posts * 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (100 <= args.posts <= 1_000_000 and 1 <= args.runs <= 20):
        parser.error("need 100 <= --posts <= 1000000 and 1 <= --runs <= 20")
    exit_on_sigterm()
    context = multiprocessing.get_context("spawn")
    port = context.Value("i", 0)
    server = context.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        deadline = time.monotonic() + 30
        while not port.value:
            if not server.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the answering server did not start")
            time.sleep(0.02)
        runs = []
        for number in range(1, args.runs + 1):
            runs.append(one_run(port.value, args.posts))
            print(f"run {number}: " + "  ".join(f"{k} {v:.1f}" for k, v in runs[-1].items()), flush=True)
    finally:
        server.kill()
        server.join(timeout=10)
    summary: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
    for name in ("urllib3", "raw"):
        ratios = (r[f"{name}_cpu_us"] / r["http_client_cpu_us"] for r in runs)
        summary[f"{name}_ratio"] = round(statistics.median(ratios), 2)
    summary.update(posts=args.posts, runs=args.runs)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
