"""Reading a pull-mode partner's feed: from our cursor (the cursors table, platform = the partner, feed "partners"),
each item decoded by the partner's port (signature verified, body validated — a PayloadError quarantines the raw
bytes) and received by adapter/partners/inbound.py, one transaction per item; the cursor moves after each page."""

from collections import Counter
from typing import Any

from adapter.inbox.paged_feed import read_pages
from adapter.partners.inbound import FEED, ingest
from adapter.persistence.engine import UnitOfWork
from connectors.partner_port import PartnerPort
from schemas.clock import Clock


def poll(
    uow: UnitOfWork, port: PartnerPort, clock: Clock, rules: Any, *, limit: int = 100, max_pages: int = 20
) -> Counter[str]:
    """Read `port`'s feed; counts by outcome (applied / duplicate / quarantined). `rules`: the partner's rules
    ([partners.<name>.rules], an instance of its kind's rules_model). A TransientError propagates (the job retries
    next time; the cursor is where the last whole page left it)."""
    return read_pages(
        uow, port.name, FEED, port.fetch, lambda item: ingest(uow, port, item, clock, rules),
        limit=limit, max_pages=max_pages,
    )  # fmt: skip
