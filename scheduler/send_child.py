"""A send process's life (scheduler/send_processes.py), started as `python -P -m cli.child send REQUESTS ANSWERS`.

It reads (platform, settings, threads) from its requests pipe, builds the platform's connector and says "ready" (or
why it cannot), then sends each (id, envelope JSON) it reads on one of its threads and writes (id, Receipt or
flattened error: scheduler/send_errors.py) to its answers pipe; a ping (id, None) its main thread answers at once.
It ends when its requests end: the worker closed them (a clean stop) or is gone (a crash, kill -9) — never on a
signal sent to the worker's terminal or group (it runs in a session of its own, and ignores SIGINT and SIGTERM).
"""

import contextlib
import os
import queue
import threading
from multiprocessing.connection import Connection
from typing import Any

from scheduler.children import started
from scheduler.send_errors import flatten
from schemas.envelope import Envelope


def serve(requests: Connection, answers: Connection) -> None:
    """Run until `requests` ends, then leave at once: sends still running have nobody to answer."""
    (name, _, threads), connector = started(requests, answers, "send_process", _connector)
    writing = threading.Lock()
    # A queue and plain threads, not a ThreadPoolExecutor: no Future and its locks for every send
    # (adapter/outbox/senders.py says the same of the worker's pool).
    work: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()

    def answer(request_id: int, what: Any) -> None:
        with writing:
            try:
                answers.send((request_id, what))
            except (OSError, EOFError):  # the worker is gone: nobody to tell
                pass
            except Exception as exc:  # what the connector returned cannot be pickled: say so instead
                with contextlib.suppress(Exception):
                    answers.send((request_id, flatten(exc)))

    def sending() -> None:
        while True:
            request_id, text = work.get()
            try:
                what: Any = connector.send(Envelope.model_validate_json(text))
            except BaseException as exc:  # every request is answered, whatever ended it
                what = flatten(exc)
            answer(request_id, what)

    for number in range(threads):
        threading.Thread(target=sending, name=f"send:{name}_{number}", daemon=True).start()
    try:
        answers.send("ready")
        while True:
            request_id, text = requests.recv()
            if text is None:  # a ping: this thread is alive and reading, whatever the send threads are doing
                answer(request_id, "pong")
            else:
                work.put((request_id, text))
    except Exception:  # the end of our requests (EOFError), or the pipe gone
        pass
    os._exit(0)


def _connector(name: str, config: Any, _threads: int) -> Any:
    # Imported here, not at the top: the composition root builds connectors, and it imports this package.
    from adapter.platforms.signers import build_signer
    from scheduler.runtime import build_connector
    from schemas.clock import utc_now

    return build_connector(name, config, build_signer(config.signing, platform=name), utc_now)
