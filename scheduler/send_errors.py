"""A send process's answer across its pipe (scheduler/send_processes.py): a Receipt, or an error as plain data.

Our connector errors (connectors/port.py) take keyword-only arguments pickle cannot replay, so an error crosses as
its class's name, its args and its plain attributes, and is built again on the worker's side with the same class,
message and attributes — so `advice`, `temporary`, `retry_after` and `cause` read as if it were raised there.
"""

import importlib
import traceback
from typing import Any

from connectors.port import ConnectorError, Receipt

Flat = tuple[str, str, tuple[Any, ...], dict[str, Any]]


def flatten(exc: BaseException) -> Flat:
    """`exc` as plain data. Anything not an Exception (SystemExit, KeyboardInterrupt in a child's thread) and
    anything outside the connector error tree (a bug) carries the child's traceback as `child_traceback`, which the
    worker logs: the child has no one else to tell."""
    cls = type(exc)
    state = {k: v for k, v in vars(exc).items() if _plain(v)}
    if not isinstance(exc, ConnectorError):
        state["child_traceback"] = "".join(traceback.format_exception(exc))
    return ("error", f"{cls.__module__}:{cls.__qualname__}", tuple(a for a in exc.args if _plain(a)), state)


def revive(answer: Any) -> Receipt | Exception:
    """A child's answer as the worker returns or raises it (see `flatten`). A class that cannot be found or built,
    or one not an Exception (it must not stop the worker's delivery loop), becomes a RuntimeError naming it:
    delivery retries that as an unexpected error (adapter/outbox/send.py)."""
    if not (isinstance(answer, tuple) and len(answer) == 4 and answer[0] == "error"):
        return answer
    _, where, args, state = answer
    try:
        module, _, qualname = where.partition(":")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            raise TypeError(where)
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
        return exc
    except Exception:
        error = RuntimeError(f"{where} in a send process: {args[0] if args else ''}")
        error.child_traceback = state.get("child_traceback", "")  # type: ignore[attr-defined]
        return error


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | bytes)
