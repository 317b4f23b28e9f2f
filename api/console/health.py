"""The platforms' health as the database holds it: feed cursors, outbox counts by status, quarantine counts,
the oldest pending message — one row per platform (configured, or met in the tables)."""

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from sqlalchemy import func
from sqlmodel import col, select
from starlette.responses import Response

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CursorRow, OutboxRow, OutboxStatus, QuarantineRow
from api.access import context
from api.console.session import PATH, LoggedIn
from api.console.views import View


@dataclass
class PlatformHealth:
    """`outbox`: status → messages; `quarantine`: status → items; `cursors`: (feed, position, caught up at)."""

    name: str
    configured: bool
    outbox: dict[str, int] = field(default_factory=dict)
    quarantine: dict[str, int] = field(default_factory=dict)
    cursors: list[tuple[str, str, datetime | None]] = field(default_factory=list)
    oldest_pending: datetime | None = None

    @property
    def needs_a_person(self) -> bool:
        return bool(self.outbox.get(OutboxStatus.DEAD) or self.quarantine.get("open"))


def platform_health(uow: UnitOfWork, configured: list[str]) -> list[PlatformHealth]:
    """Every configured platform first (in the configuration's order), then any other the tables name."""
    found = {name: PlatformHealth(name, True) for name in configured}

    def entry(name: str) -> PlatformHealth:
        return found.setdefault(name, PlatformHealth(name, False))

    with uow.begin() as session:
        for name, status, n in session.exec(
            select(OutboxRow.platform, OutboxRow.status, func.count()).group_by(OutboxRow.platform, OutboxRow.status)
        ).all():
            entry(name).outbox[status] = int(n)
        for name, status, n in session.exec(
            select(QuarantineRow.platform, QuarantineRow.status, func.count()).group_by(
                QuarantineRow.platform, QuarantineRow.status
            )
        ).all():
            entry(name).quarantine[status] = int(n)
        for cursor in session.exec(select(CursorRow).order_by(col(CursorRow.platform), col(CursorRow.feed))).all():
            entry(cursor.platform).cursors.append((cursor.feed, cursor.value, cursor.caught_up_at))
        for name, oldest in session.exec(
            select(OutboxRow.platform, func.min(OutboxRow.created_at))
            .where(OutboxRow.status == OutboxStatus.PENDING)
            .group_by(OutboxRow.platform)
        ).all():
            entry(name).oldest_pending = oldest
    return list(found.values())


router = APIRouter(prefix=PATH, include_in_schema=False)


@router.get("/")
def health(request: Request, op: LoggedIn, view: View) -> Response:
    ctx = context(request)
    rows = platform_health(ctx.reads, list(ctx.settings.platforms))
    return view.render(request, "health.html", op=op, tab="health", platforms=rows, now=ctx.clock())
