"""The platforms' state for other processes: what each breaker, credentials hold and feed hold of this process says
(they live in its memory: breaker.py, credential_hold.py, feed_hold.py) is written to platform_states / feed_states
when it changes, and each feed's last successful poll once per poll — never per message. `docking status` and the
dashboard read them (adapter/status/).

The alert condition of a change (adapter/alerts/conditions.py) is written in the same transaction, so the state an
operator sees and the alert announcing it agree. A database that cannot take the write is logged, never raised
into delivery or polling, which must go on regardless (the next change or poll writes again).

One row per platform: with several processes, the last to write wins (`holder` says which) — each process has its
own breaker; a half-open breaker is shown open (its probe decides within a cool-down).
"""

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapter.alerts.conditions import change
from adapter.alerts.kinds import AlertKind
from adapter.masking import mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.ops_tables import FeedStateRow, PlatformStateRow
from adapter.platforms.feed_hold import Held
from connectors.port import Feed
from schemas.clock import Clock, to_utc

log = logging.getLogger("docking.platforms")
PLATFORMS = PlatformStateRow.__table__  # type: ignore[attr-defined]
FEEDS = FeedStateRow.__table__  # type: ignore[attr-defined]


class PlatformStates:
    def __init__(self, uow: UnitOfWork, clock: Clock, holder: str) -> None:
        self.uow, self.clock, self.holder = uow, clock, holder

    def started(self, platforms: Collection[str]) -> None:
        """This process starts with every breaker closed and nothing held: say so (a row a killed process left
        "open" would otherwise stand)."""

        def write(c: Connection, at: datetime) -> None:
            for p in platforms:
                _upsert(c, PLATFORMS, {"platform": p}, self._platform(at, breaker="closed", held=False))

        self._write("start", write)

    def breaker(self, platform: str, what: str) -> None:
        """A breaker's change (breaker.py `on_change`): opened | closed | probe_lost (no state change)."""
        if what not in ("opened", "closed"):
            return
        opened = what == "opened"

        def write(c: Connection, at: datetime) -> None:
            _upsert(
                c,
                PLATFORMS,
                {"platform": platform},
                {**self._base(at), "breaker": "open" if opened else "closed", "breaker_since": at},
            )
            change(c, AlertKind.BREAKER, platform, opened=opened, at=at)

        self._write(f"breaker {what} on {platform}", write)

    def hold(self, platform: str, what: str, reason: str) -> None:
        """A credentials hold taken or released (credential_hold.py `on_change`): held | released."""
        held = what == "held"

        def write(c: Connection, at: datetime) -> None:
            was = c.execute(select(PLATFORMS.c.held).where(PLATFORMS.c.platform == platform)).scalar()
            values: dict[str, Any] = {**self._base(at), "held": held, "held_reason": mask_text(reason) if held else ""}
            if bool(was) != held:
                values["held_since"] = at if held else None
            _upsert(c, PLATFORMS, {"platform": platform}, values)
            change(c, AlertKind.HELD, platform, opened=held, at=at, detail=reason)

        self._write(f"{platform} {what}", write)

    def feeds(self, platform: str, held: Mapping[Feed, Held]) -> None:
        """The feed holds of a platform changed (feed_hold.py `on_change`): `held` is every feed held now."""

        def write(c: Connection, at: datetime) -> None:
            for feed in Feed:
                h = held.get(feed)
                values = {**self._base(at), "held_cause": h.cause if h else None, "held_since": h.since if h else None}
                _upsert(c, FEEDS, {"platform": platform, "feed": feed.value}, values)
                detail = f"cursor {h.cursor!r}: {h.cause}: {h.detail}" if h else ""
                change(c, AlertKind.FEED_HELD, f"{platform}/{feed.value}", opened=h is not None, at=at, detail=detail)

        self._write(f"feed holds of {platform}", write)

    def polled(self, platform: str, feed: Feed, error: str | None) -> None:
        """A poll of `feed` ended: without error (`error` None), or with it (masked here)."""

        def write(c: Connection, at: datetime) -> None:
            values: dict[str, Any]
            if error is None:
                values = {**self._base(at), "last_success_at": at}
            else:
                values = {**self._base(at), "last_error_at": at, "last_error": mask_text(error)[:1000]}
            _upsert(c, FEEDS, {"platform": platform, "feed": feed.value}, values)

        self._write(f"poll of {platform}/{feed.value}", write)

    def _base(self, at: datetime) -> dict[str, Any]:
        return {"updated_at": at, "holder": self.holder}

    def _platform(self, at: datetime, *, breaker: str, held: bool) -> dict[str, Any]:
        return {
            **self._base(at),
            "breaker": breaker,
            "breaker_since": None,
            "held": held,
            "held_reason": "",
            "held_since": None,
        }

    def _write(self, what: str, write: Callable[[Connection, datetime], Any]) -> None:
        try:
            with self.uow.begin() as session:
                write(session.connection(), to_utc(self.clock()))
        except Exception as exc:  # the state is a view of memory: never let it stop delivery or polling
            log.error("platform state (%s) could not be stored: %s", what, type(exc).__name__)


def _upsert(connection: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Update the row of `key`, or insert it (a concurrent insert of the same key becomes the update)."""
    where = [table.c[k] == v for k, v in key.items()]
    if connection.execute(update(table).where(*where).values(**values)).rowcount:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    defaults = {"last_error": ""} if table is FEEDS else {"held_reason": "", "breaker": "closed", "held": False}
    statement: Any = dialect.insert(table).values(**{**defaults, **key, **values})
    connection.execute(statement.on_conflict_do_update(index_elements=list(key), set_=values))
