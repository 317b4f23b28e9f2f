"""The part of an item's checks that needs neither the database nor the clock: verify its signature, decode it,
bind the signed message id to the decoded one, and look for text the database cannot store — so that it can be made
anywhere, a page ahead and in another process (adapter/inbox/page_checks.py), and `conclude` later, in the poll.

`conclude(examine(...))` is exactly adapter/inbox/ingest.py `check`: the same refusals, in the same order of
precedence (verify → signed in the future → decode → message id → too old → unstorable), the same envelope kept with
each. `examine` goes on past a step that `check` would stop at only where the step is pure (it decodes an item that
turns out to be signed in the future); what it found is then ignored, as `check` never found it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.inbox.refusal import unstorable_model
from connectors.port import ItemDecoder, PayloadError, RawInbound
from schemas.clock import china_text
from schemas.envelope import Envelope
from signing import SignatureInvalid
from signing.base import MessageVerifier, Verified

# How far ahead of our clock a pulled item may be signed. Generous next to a request's five minutes (a feed item is
# never replayed against a live window), yet it catches a unit or zone error: a court whose epoch time is its China
# wall clock read as UTC signs eight hours ahead.
FEED_CLOCK_SKEW = timedelta(hours=1)

Refusal = tuple[str, str]  # (reason, detail), as quarantine keeps it


@dataclass(frozen=True)
class Examined:
    """What `examine` found of one item, step by step; each later step only where the one before passed.
    Picklable: it crosses from a check process (scheduler/check_process.py) as it is."""

    verified: Verified | None = None
    refused: Refusal | None = None  # verification failed (then nothing else was tried)
    envelope: Envelope | None = None
    undecoded: Refusal | None = None  # decoding failed
    mismatch: Refusal | None = None  # the signed message id is not the body's
    unstorable: Refusal | None = None  # a text the database cannot store (or the look for one failed)


@dataclass(frozen=True)
class Checked:
    """An item after the checks made before anything is stored: its envelope (None if it did not decode) and, for
    an item to refuse, (reason, detail) for quarantine."""

    envelope: Envelope | None
    refusal: Refusal | None = None


def examine(verifier: MessageVerifier, connector: ItemDecoder, item: RawInbound) -> Examined:
    """Verify, decode and look over one item (module doc); never raises for the item's own faults."""
    try:
        verified = verifier.verify(item.body, item.headers)
    except Exception as exc:
        return Examined(refused=_refusal(exc))
    try:
        envelope = connector.decode(item)
    except Exception as exc:
        return Examined(verified, undecoded=_refusal(exc))
    mismatch = None
    if verified.message_id is not None and verified.message_id != envelope.message_id:
        mismatch = (
            SignatureInvalid.MISMATCH,
            f"signed for message {verified.message_id!r}, but the body is message {envelope.message_id!r}",
        )
    try:
        bad_text = unstorable_model(envelope)
        unstorable = None
        if bad_text:
            unstorable = _refusal(
                PayloadError(connector.name, "invalid", f"{bad_text}, which the database cannot store")
            )
    except Exception as exc:
        unstorable = _refusal(exc)
    return Examined(verified, envelope=envelope, mismatch=mismatch, unstorable=unstorable)


def conclude(
    examined: Examined,
    *,
    arrived: datetime,
    max_age: timedelta,
    applied: Callable[[str], bool],
) -> Checked:
    """The item's checks finished against the clock: refused if signed more than FEED_CLOCK_SKEW after `arrived` or
    (unless its message was `applied` before: a feed re-read from its start) signed more than `max_age` before it.
    Raises what `applied` raises (the database failing is ours, not the item's)."""
    if examined.refused is not None:
        return Checked(None, examined.refused)
    envelope: Envelope | None = None  # as `check` kept it at each step: none until the item decoded
    try:
        verified = examined.verified
        assert verified is not None  # not refused: verified
        issued = verified.issued_at
        if issued is not None and issued > arrived + FEED_CLOCK_SKEW:
            detail = f"signed {china_text(issued, seconds=False)}, more than {FEED_CLOCK_SKEW} ahead of our clock"
            return Checked(None, (SignatureInvalid.FUTURE, detail))
        envelope = examined.envelope
        if envelope is None:
            return Checked(None, examined.undecoded)
        if examined.mismatch is not None:
            return Checked(envelope, examined.mismatch)
        # Too old to apply — unless it is a message we applied: a court feed re-read from its start (a restart behind
        # our cursor) repeats its whole history, which is a duplicate (or a conflict), never a quarantined `stale`.
        if issued is not None and issued < arrived - max_age and not _asked(applied, envelope.message_id):
            detail = f"signed {china_text(issued, seconds=False)}, past the feed's maximum age of {max_age}"
            return Checked(envelope, (SignatureInvalid.STALE, detail))
    except _LookupFailed as failed:  # ours, not the item's: the poll fails and reads the item again next time
        error = failed.error
        raise error from error.__cause__  # as it was raised: its own cause kept, this wrapper not chained on
    except Exception as exc:  # an item's time past what can be written (year 9999 in China time): keep its bytes
        return Checked(envelope, _refusal(exc))
    return Checked(envelope, examined.unstorable)


class _LookupFailed(Exception):
    """`applied` failed (the database): a fault of ours, not of the item, so it must not be quarantined with it."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _asked(applied: Callable[[str], bool], message_id: str) -> bool:
    try:
        return applied(message_id)
    except Exception as exc:
        raise _LookupFailed(exc) from None


def _refusal(exc: Exception) -> Refusal:
    if isinstance(exc, SignatureInvalid | PayloadError):
        return exc.reason, exc.detail
    return "undecodable", f"{type(exc).__name__} while decoding"  # a decoder bug on one item: keep its bytes
