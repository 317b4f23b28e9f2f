"""The inbox as the complaint desks' and the partners' inbound paths use it (adapter/complaints/inbound.py,
adapter/partners/inbound.py): each message applied once per (platform, message id), its canonical body's SHA-256
kept, so a resend with the same body is a duplicate and one with another body is a conflict (as for the courts,
adapter/inbox/digest.py)."""

from datetime import datetime

from sqlmodel import Session, select

from adapter.errors import InvalidRequest
from adapter.persistence.tables import InboxRow
from schemas.clock import to_utc


def inbox_row(session: Session, platform: str, message_id: str) -> InboxRow | None:
    query = select(InboxRow).where(InboxRow.platform == platform, InboxRow.message_id == message_id)
    return session.exec(query).first()


def seen_before(session: Session, platform: str, message_id: str, digest: str) -> bool:
    """True when the message was applied before with this body (a duplicate), False when it is new;
    InvalidRequest (rule conflict) when it was applied with another body."""
    seen = inbox_row(session, platform, message_id)
    if seen is None:
        return False
    if seen.body_sha256 not in (None, digest):
        raise InvalidRequest(
            f"message {message_id} was applied before with another body: a conflict, not a resend", rule="conflict"
        )
    return True


def remember(session: Session, platform: str, message_id: str, type: str, digest: str, now: datetime) -> None:
    """The message as applied, in the caller's transaction (flushed: a concurrent twin fails here on the key)."""
    # case_id stays None: a desk's or partner's message is about its own record, not a case (the inbox is shared).
    session.add(InboxRow(platform=platform, message_id=message_id, type=type[:32], case_id=None,
                         received_at=to_utc(now), body_sha256=digest))  # fmt: skip
    session.flush()
