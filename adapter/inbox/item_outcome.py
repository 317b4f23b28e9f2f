"""How one ingested item ended (adapter/inbox/ingest.py): the four results, and the outcome each path returns."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session


class Ingested(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    CONFLICT = "conflict"  # quarantined too, and alerted: an applied message id with another body


@dataclass(frozen=True)
class Outcome:
    """How one item ended. `kept`: a quarantined item was stored now (False: the same bytes were already kept,
    e.g. a feed re-delivering a bad item — it is counted as a duplicate and not logged again)."""

    result: Ingested
    reason: str = ""  # quarantined: the reason code (unknown_key, invalid, …)
    detail: str = ""
    message_id: str | None = None
    case_id: str | None = None
    kept: bool = False
    quarantine_id: int | None = None


# Called inside the transaction that records the outcome (adapter/inbox/quarantine.py marks the row it reprocesses).
Settle = Callable[[Session, Outcome], None]
