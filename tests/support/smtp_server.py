"""A tiny SMTP server on loopback for the tests: enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT), keeping each message received; `refuse_rcpt` answers RCPT with that reply instead."""

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)  # (from, to, data)
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user" or "451 4.3.0 try later"
    host: str = "127.0.0.1"
    port: int = 0


@contextmanager
def smtp_server(**options: str | None) -> Iterator[Mailbox]:
    box = Mailbox(**options)  # type: ignore[arg-type]

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 test ESMTP")
            sender, rcpts = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                command = raw.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    self.reply("250-test")
                    self.reply("250 8BITMIME")
                elif verb == "HELO" or verb in ("RSET", "NOOP"):
                    self.reply("250 ok")
                elif verb == "MAIL":
                    sender, rcpts = command.split(":", 1)[1].strip(" <>"), []
                    self.reply("250 ok")
                elif verb == "RCPT":
                    if box.refuse_rcpt:
                        self.reply(box.refuse_rcpt)
                        continue
                    rcpts.append(command.split(":", 1)[1].strip(" <>"))
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 end with .")
                    lines = []
                    while (line := self.rfile.readline()) not in (b".\r\n", b""):
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    box.messages.append((sender, rcpts, b"".join(lines)))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
