"""What a difference between our view of a case and the platform's is, and what would repair it. Pure.

    ours == theirs                                   in step
    theirs is None                                   missing_at_platform → resend every delivered message, in order
    a dead message holds the case back               state_mismatch      → report (`docking outbox replay`)
    theirs is where one of our delivered messages    behind              → redeliver the messages after that point
      left it (or where the dispatch did)
    theirs is a court decision ours is waiting for   ahead               → fetch the platform's messages and ingest
    anything else                                    state_mismatch      → report
    the platform lists a case we do not have         missing_here        → fetch its dispatch and ingest
    the case's platform is not configured            platform_unconfigured → report

Re-sending and re-delivering use the messages' own ids, so a court that still holds one drops it as a duplicate;
only what it really lost is applied again. A case already re-sent or re-delivered by an earlier run, with no new
message since, is reported instead: repeating a repair that did not hold would only loop.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.enums import CourtStatus


class Kind(StrEnum):
    MISSING_AT_PLATFORM = "missing_at_platform"
    MISSING_HERE = "missing_here"
    BEHIND = "behind"
    AHEAD = "ahead"
    STATE_MISMATCH = "state_mismatch"
    PLATFORM_UNCONFIGURED = "platform_unconfigured"


class Action(StrEnum):
    RESEND = "resend"  # requeue every delivered message of the case, in order
    REDELIVER = "redeliver"  # requeue the delivered messages the platform is missing
    FETCH = "fetch"  # read what the platform published about the case and ingest it
    REPORT = "report"  # nothing the adapter can do by itself: a person decides


# Statuses only the court moves a case to, from the status ours waits in: a platform showing one of these while we
# still wait holds a decision we have not ingested.
COURT_DECIDES: dict[CourtStatus, frozenset[CourtStatus]] = {
    CourtStatus.JC_PENDING: frozenset(
        {CourtStatus.JC_CONFIRMED, CourtStatus.JC_REJECTED, CourtStatus.JC_NOT_ACCEPTED, CourtStatus.JC_WITHDRAWN}
    ),
    CourtStatus.SETTLED: frozenset({CourtStatus.MEDIATION_DOC_ISSUED, CourtStatus.CLOSED}),
}


@dataclass(frozen=True)
class Held:
    """One message we delivered (or that died) for the case, in the case's order."""

    message_id: str
    status_after: CourtStatus | None  # where it moves the court's view of the case (None: unreadable)
    created_at: datetime
    dead: bool = False


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    action: Action
    messages: tuple[str, ...] = ()  # what to requeue, in order (resend / redeliver)
    detail: str = ""


def classify(
    ours: CourtStatus,
    theirs: CourtStatus | None,
    held: Sequence[Held],
    *,
    dispatched_by_court: bool,
    repaired_at: datetime | None = None,
) -> Verdict | None:
    """The verdict on one case that is not in flight, or None when both sides agree.

    `dispatched_by_court`: the court knew the case before our first message (flows A, B, D) and showed it pending;
    a self-received case (flow C) reaches the court with its JC application. `repaired_at`: when an earlier run last
    re-sent or re-delivered this case's messages, if ever.
    """
    if theirs is ours:
        return None
    dead = [m for m in held if m.dead]
    if dead:
        return Verdict(
            Kind.STATE_MISMATCH,
            Action.REPORT,
            detail=f"{len(dead)} dead message(s) hold the case back, first {dead[0].message_id}: "
            "see `docking outbox dead`, then `docking outbox replay`",
        )
    if theirs is None:
        if not held:
            return Verdict(Kind.MISSING_AT_PLATFORM, Action.REPORT, detail="no delivered message to re-send")
        return _requeue(Kind.MISSING_AT_PLATFORM, Action.RESEND, held, repaired_at)
    reached: list[CourtStatus | None] = [CourtStatus.PENDING] if dispatched_by_court else []
    reached += [m.status_after for m in held]
    offset = len(reached) - len(held)  # reached[i] is the court's status before held[i - offset]
    for index, status in enumerate(reached[: len(reached) - 1]):
        if status is theirs:
            return _requeue(Kind.BEHIND, Action.REDELIVER, held[max(0, index + 1 - offset) :], repaired_at)
    if theirs in COURT_DECIDES.get(ours, frozenset()):
        return Verdict(Kind.AHEAD, Action.FETCH, detail="the platform has decided; its decision is not here")
    return Verdict(Kind.STATE_MISMATCH, Action.REPORT, detail="not explained by any message either side holds")


_DONE = {Action.RESEND: "re-sent", Action.REDELIVER: "re-delivered"}


def _requeue(kind: Kind, action: Action, later: Sequence[Held], repaired_at: datetime | None) -> Verdict:
    if repaired_at is not None and all(m.created_at <= repaired_at for m in later):
        return Verdict(
            Kind.STATE_MISMATCH,
            Action.REPORT,
            detail=f"{kind.value}, but an earlier run already {_DONE[action]} these messages and that did not hold: "
            "ask the court",
        )
    ids = tuple(m.message_id for m in later)
    return Verdict(kind, action, ids, f"{action.value} {len(ids)} message(s) from {ids[0]}")
