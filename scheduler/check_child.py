"""A check process's life (scheduler/check_process.py), started as `python -P -m cli.child check REQUESTS ANSWERS`.

It reads (platform, settings) from its requests pipe, builds the platform's verifier and its item decoding — not the
connector: our signing keys stay in the worker — and says "ready" (or why it cannot), then answers each (id, page)
it reads with (id, what adapter/inbox/examine.py `examine` found of each item, in order) — or (id, why not), should
the answer not cross. It ends when its requests end: the worker closed them (a clean stop) or is gone (a crash,
kill -9) — never on a signal sent to the worker's terminal or group.
"""

import os
from multiprocessing.connection import Connection
from typing import Any

from adapter.inbox.examine import examine
from connectors.port import RawInbound
from scheduler.children import started


def serve(requests: Connection, answers: Connection) -> None:
    """Run until `requests` ends, then leave."""
    _, (verifier, connector) = started(requests, answers, "check_process", _built)
    try:
        answers.send("ready")
        while True:
            request_id, page = requests.recv()
            found = [
                examine(verifier, connector, RawInbound(body, headers, position)) for body, headers, position in page
            ]
            try:
                answers.send((request_id, found))
            except (OSError, EOFError):  # the worker is gone
                break
            except Exception as exc:  # what was found cannot be pickled: the worker examines the page itself
                answers.send((request_id, f"{type(exc).__name__}: {exc}"))
    except (EOFError, OSError):  # the end of our requests, or the pipe gone
        pass
    os._exit(0)  # anything else (a bug) is raised: its traceback lands in the worker's log, and the worker says so


def _built(name: str, config: Any) -> tuple[Any, Any]:
    """The court's verifier (its public keys, or its app secret for hmac-appkey) and its decoding alone
    (connectors/item_decoders.py): our own signing keys are never loaded here, nor a session or a WSDL."""
    # Imported here, not at the top: the composition root's helpers import this package.
    from adapter.platforms.signers import build_verifier
    from connectors.item_decoders import CourtItemDecoder

    return build_verifier(config.signing, platform=name), CourtItemDecoder(
        name, config.transport, config.timestamp_format
    )
