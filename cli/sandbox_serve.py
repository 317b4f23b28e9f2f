"""What every standalone `docking sandbox …` command shares: its common options (--host, --port, --fault,
--push-to), the partner's settings checked with a bad one named, listening (a taken port named, not a traceback),
and serving until Ctrl-C."""

import threading
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import typer

from adapter.errors import InvalidRequest

T = TypeVar("T")

Host = Annotated[str, typer.Option(help="Listen address (loopback unless you mean otherwise).")]
Port = Annotated[int, typer.Option(min=0, max=65535)]
PushTo = Annotated[
    str | None, typer.Option(help="Push each item to the centre at this base URL instead of waiting to be read.")
]


def fault_option(what: str, faults: Sequence[str]) -> typer.models.OptionInfo:
    """--fault: a misbehaviour of every `what` (of `faults`), repeatable."""
    return typer.Option(help=f"A misbehaviour{' of every ' + what if what else ''} ({', '.join(faults)}); repeatable.")


def configured(make: Callable[[], T]) -> T:
    """The partner's settings from the options; a ValueError (an unknown misbehaviour, a bad form) names what."""
    try:
        return make()
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc


def listening(make: Callable[[], T], where: str) -> T:
    """The server bound (`make`), or InvalidRequest naming `where` (HOST:PORT) and why it cannot listen there."""
    try:
        return make()
    except OSError as exc:
        raise InvalidRequest(f"cannot listen on {where}: {exc.strerror}") from exc


def serve_until_interrupted(*stops: Callable[[], None]) -> None:
    """Block until Ctrl-C, then call `stops` in order (the servers, their pushers)."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        for stop in stops:
            stop()
