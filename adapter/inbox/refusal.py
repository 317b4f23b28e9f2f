"""Refusing an item: its raw bytes kept in quarantine with the reason, once, and said once.

Every refused item is kept, whatever refused it (a signature, the decoder, the case store, the database): the
same bytes from the same platform are kept only the first time, and a re-delivery counts as a duplicate. An item
holding text the database itself would refuse (a NUL or a lone surrogate: PostgreSQL refuses NUL in text, no UTF-8
holds a surrogate) is refused here too — `unstorable` says where — and the quarantine row itself is always
storable (`storable`). Acting on what was kept is adapter/inbox/quarantine.py's.
"""

import hashlib
import json
import logging
import re

from pydantic import BaseModel
from sqlmodel import Session, select

from adapter.alerts import causes as alerts
from adapter.inbox.digest import CONFLICT
from adapter.inbox.item_outcome import Ingested, Outcome, Settle
from adapter.masking import mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.registry import PlatformLink
from connectors.port import RawInbound, without_credentials
from schemas.clock import Clock, to_utc
from schemas.envelope import Envelope
from schemas.unvetted import any_unvetted

log = logging.getLogger("docking.ingest")


def quarantine(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: str,
    item: RawInbound,
    clock: Clock,
    reason: str,
    detail: str,
    envelope: Envelope | None,
    settle: Settle | None,
) -> Outcome:
    message_id = envelope.message_id if envelope is not None else claimed_id(link, item)
    with uow.begin() as session:
        outcome = keep(session, link.name, feed, item, clock, reason, detail, message_id)
        if settle is not None:
            settle(session, outcome)
    log_kept(link.name, outcome)
    return outcome


def claimed_id(link: PlatformLink, item: RawInbound) -> str | None:
    """The message id a refused item claims, read without trusting it, so the log and `quarantine show` can name
    the message the court will ask about; None if even that cannot be read."""
    try:
        return link.connector.decode(item).message_id
    except Exception:  # the item is already being refused; its id is only a label
        return None


def keep(
    session: Session,
    platform: str,
    feed: str,
    item: RawInbound,
    clock: Clock,
    reason: str,
    detail: str,
    message_id: str | None,
) -> Outcome:
    """Store the item with its reason, once: the same bytes from the same platform are kept only the first time."""
    digest = hashlib.sha256(item.body).hexdigest()
    again = select(QuarantineRow.id).where(QuarantineRow.platform == platform, QuarantineRow.raw_sha256 == digest)
    storable_id = message_id if message_id is None or unstorable(message_id) is None else None
    existing = session.exec(again).first()
    if existing is not None:
        return Outcome(Ingested.QUARANTINED, reason, storable(detail[:2000]), storable_id, quarantine_id=existing)
    headers = {"position": item.position, **without_credentials(item.headers)}  # a credential is no evidence
    row = QuarantineRow(
        platform=platform,
        feed=feed,
        received_at=to_utc(clock()),
        reason=reason,
        detail=storable(detail[:2000]),
        raw=item.body,
        raw_sha256=digest,
        message_id=storable_id,
        # \u escapes for a header holding what the database cannot store (json.dumps escapes NUL already)
        headers_json=json.dumps(headers, ensure_ascii=unstorable(headers) is not None),
    )
    session.add(row)
    session.flush()  # the id, for the log line and the operator
    alerts.quarantined(session.connection(), platform=platform, reason=reason, at=clock())
    return Outcome(Ingested.QUARANTINED, reason, row.detail, storable_id, kept=True, quarantine_id=row.id)


def log_kept(platform: str, outcome: Outcome) -> None:
    """One WARNING per item kept, after it is committed — never again for a re-delivery of the same bytes. A conflict
    is said by adapter/inbox/digest.py instead (a WARNING each time, an ERROR once per message id)."""
    if outcome.kept and outcome.reason != CONFLICT:
        log.warning(
            "%s: message %s quarantined (%s): %s — see `docking quarantine show %s`",
            platform,
            outcome.message_id or "(id unreadable)",
            outcome.reason,
            mask_text(outcome.detail)[:300],
            outcome.quarantine_id,
        )


def log_conflict(platform: str, outcome: Outcome) -> None:
    """An ERROR for a `conflict` kept by a push intake or a partner's feed (a re-send with other content than what
    was applied) — those have no digest.py to say it, and `log_kept` leaves conflicts to it; once per kept item."""
    if outcome.kept and outcome.reason == CONFLICT:
        log.error(
            "%s: message %s conflicts with what was applied first (kept in quarantine): %s — see `docking "
            "quarantine show %s`",
            platform,
            outcome.message_id or "(id unreadable)",
            mask_text(outcome.detail)[:300],
            outcome.quarantine_id,
        )


def unstorable(value: object) -> str | None:
    """Where `value` (a message as plain data) holds text no database of ours can store, said without the text:
    "field dispatch.parties[0].name holds NUL (U+0000)"; None if all of it can be stored."""
    if not _holds_bad_text(value):  # every item is checked, few fail: the paths are only spelled out for those
        return None
    stack: list[tuple[str, object]] = [("", value)]
    while stack:  # a walk, not recursion: a message's nesting is the court's choice
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return f"field {path or 'text'} holds NUL (U+0000)"
            bad = next((c for c in node if "\ud800" <= c <= "\udfff"), None)
            if bad is not None:
                return f"field {path or 'text'} holds a lone surrogate (U+{ord(bad):04X})"
        elif isinstance(node, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child) for key, child in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((f"{path}[{n}]", child) for n, child in enumerate(node))
    return None


def unstorable_model(model: BaseModel) -> str | None:
    """`unstorable` of a whole message model (the same answer), asked first of the only text in it that may hold
    NUL or a lone surrogate: what no `Line`/`Text` validator has vetted (schemas/unvetted.py — a party's phone and
    address, digests, codes). A clean message (nearly all) is never dumped; one that may hold either is, to name
    the field."""
    if not any_unvetted(model, _BAD_TEXT.search):
        return None
    return unstorable(model.model_dump())


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _holds_bad_text(value: object) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _BAD_TEXT.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return False


def storable(text: str) -> str:
    """`text` with NUL and lone surrogates written as escapes, for a quarantine detail."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
