"""The commands of the queues delivered by the outbox protocol (centre events, alerts): `replay` one dead item by id,
or --all, with a reason (audited by the replay itself: adapter/outbox/table_queue.py replay_dead); `deliver` what is
due now."""

from collections import Counter
from collections.abc import Callable
from typing import Annotated

import typer

from adapter.config.settings import Settings
from adapter.errors import InvalidRequest
from adapter.persistence.engine import UnitOfWork
from cli.output import ConfigOption, console
from scheduler import bootstrap
from schemas.clock import Clock, utc_now

# replay(uow, ids or None, *, actor, reason, now) -> the ids requeued (adapter/outbox/table_queue.py replay_dead)
Replay = Callable[..., list[str]]


def replay_command(noun: str, replay: Replay, help: str) -> Callable[..., None]:
    """A typer command replaying dead `noun`s (e.g. "event") with `replay`."""

    def command(
        item_id: Annotated[str | None, typer.Argument(metavar="ID", help=f"One dead {noun}; or --all.")] = None,
        all_dead: Annotated[bool, typer.Option("--all", help=f"Every dead {noun}.")] = False,
        reason: Annotated[str, typer.Option(help="Why (recorded in the audit log with who and when).")] = "",
        actor: Annotated[str, typer.Option(envvar="USER", help="Who is replaying (default: $USER).")] = "operator",
        config: ConfigOption = None,
    ) -> None:
        if (item_id is None) == (not all_dead):
            raise InvalidRequest(f"name one dead {noun} id, or --all")
        uow = bootstrap.open_store(bootstrap.load(config))
        ids = replay(uow, None if all_dead else [item_id or ""], actor=actor, reason=reason, now=utc_now())
        console.print(f"{len(ids)} dead {noun}(s) requeued" if ids else f"no dead {noun}s: nothing requeued")

    command.__doc__ = help
    return command


# delivery(settings, uow, clock) -> one delivery run, or None when nothing is configured to deliver to
Delivery = Callable[[Settings, UnitOfWork, Clock], Callable[[], Counter[str]] | None]


def deliver_command(delivery: Delivery, unconfigured: str, help: str) -> Callable[..., None]:
    """A typer command running one delivery now; InvalidRequest(`unconfigured`) when there is nowhere to send."""

    def command(config: ConfigOption = None) -> None:
        settings = bootstrap.load(config)
        run = delivery(settings, bootstrap.open_store(settings), utc_now)
        if run is None:
            raise InvalidRequest(unconfigured)
        console.print(", ".join(f"{n} {k}" for k, n in sorted(run().items())) or "nothing due")

    command.__doc__ = help
    return command
