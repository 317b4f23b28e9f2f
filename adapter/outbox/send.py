"""Sending one claimed message through its platform, and judging what the answer means for the row.

The platform's gates come first (adapter/platforms/): a court refusing our credentials holds every message
(`held`: not sent, not counted, never dead for it); a court that asked us to slow down (429) pauses them
(`throttled`: not sent, not counted, never dead for it); an open breaker defers it (`deferred`: not counted). Otherwise
the message is sent (`_send`, the one place an envelope leaves the outbox) and the answer sorted: delivered or
duplicate; a transient failure retried on the platform's RetryPolicy (adapter/platforms/retry.py); a refusal is dead.
The result is written by adapter/outbox/record.py.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tenacity import Retrying

from adapter.audit.chain import canonical_text
from adapter.masking import mask_text
from adapter.outbox.claimed import Claimed
from adapter.outbox.record import DeliveryResult, Result
from adapter.persistence.tables import OutboxStatus
from adapter.platforms.registry import PlatformLink, Platforms
from adapter.platforms.retry import RetryPolicy, next_delay
from connectors.port import CredentialsRefused, Receipt, RejectedError, Throttled, TransientError, Wire
from schemas.clock import Clock, from_db, to_utc
from schemas.envelope import Envelope

log = logging.getLogger("docking.delivery")

R = DeliveryResult


def deliver_one(
    platforms: Platforms,
    clock: Clock,
    row: Claimed,
    retrying: Retrying,
    jitter: Callable[[], float],
) -> Result:
    """Send `row` unless its platform is gated, and return what to record for it (nothing is written here)."""
    link = platforms.get(row.platform)
    policy = link.retry if link is not None else RetryPolicy()
    started = clock()
    outcome, error, delay, counted = R.DELIVERED, None, 0.0, True
    wire: Wire | None = None  # the delivered request as sent (connectors/port.py), kept for the evidence bundle
    if link is None:
        outcome, error = R.RETRIED, f"platform {row.platform!r} is not configured"
        delay = next_delay(policy, row.attempts, jitter)
    elif not link.hold.allow(started):
        # The court refuses our signature (adapter/platforms/credential_hold.py): the message is not sent, counted
        # or killed for it.
        outcome, error, counted = R.HELD, link.hold.reason, False
        delay = link.hold.wait(started)
    elif (paused := link.throttle.wait(started)) > 0:
        # The court asked us to slow down (a 429 to this or another send): not sent, not counted, due after the pause.
        outcome, error, counted, delay = R.THROTTLED, "the court asked us to slow down (HTTP 429)", False, paused
    elif link.breaker is not None and not link.breaker.allow(started):
        # The platform is failing: do not call it, and do not count an attempt the message never made.
        # Deferred to when the breaker may let a call through — never "now": while another caller's probe is in
        # flight that would hand the row straight back to the next claim round (a spin).
        outcome, error, counted = R.DEFERRED, "circuit open: the platform has been failing", False
        delay = (link.breaker.next_call_at(started) - started).total_seconds()
    else:
        answer: BaseException | None = None  # how the call ended, for the breaker (adapter/platforms/breaker.py)
        try:
            receipt = _send(link, row, retrying)
            wire = receipt.wire
            if receipt.duplicate:
                outcome = R.DUPLICATE  # delivered before (e.g. the answer was lost); the platform kept one copy
            link.hold.accepted(clock())
        except CredentialsRefused as exc:
            # About who signed, not about this message: hold the platform (one alert), keep the message as it was.
            # For the breaker it is an answer: the platform is up, and the hold gates it from now on.
            answer = exc
            link.hold.refused(exc, clock())
            outcome, error, counted = R.HELD, link.hold.reason, False
            delay = link.hold.wait(clock())
        except Throttled as exc:
            # Not a failure of this message (RFC 6585 §4): the platform pauses for Retry-After, the message waits as
            # long, uncounted, and its give-up window starts again (like a hold) — a 429 never makes a dead letter.
            answer = exc
            outcome, error, counted = R.THROTTLED, str(exc), False
            pause = link.throttle.slow_down(exc.retry_after, clock(), exc.platform)  # the platform's pause
            delay = next_delay(policy, 0, jitter, pause if exc.retry_after is None else exc.retry_after)
        except TransientError as exc:
            answer = exc
            outcome, error = R.RETRIED, str(exc)
            delay = next_delay(policy, row.attempts, jitter, exc.retry_after)
        except RejectedError as exc:
            # A verdict on this message (it goes dead); for the breaker, an answer: the platform is up.
            answer = exc
            outcome, error = R.DEAD, str(exc)
        except Exception as exc:  # a connector bug or a corrupt row: retry on the schedule, never lose the batch
            # Says nothing about the platform: the breaker is told neither way, but a probe's slot is released.
            answer = exc
            log.error("message %s to %s failed unexpectedly: %s", row.message_id, row.platform, type(exc).__name__)
            outcome, error = R.RETRIED, f"unexpected {type(exc).__name__}"
            delay = next_delay(policy, row.attempts, jitter)
        if link.breaker is not None:
            link.breaker.observe(answer, clock())
    now = clock()
    # Measured from when the row (re-)entered the queue, not from its creation: a message an operator replays
    # after an outage gets its full window again instead of dying on its first transient failure.
    if outcome is R.RETRIED and now - from_db(row.queued_at) >= policy.give_up_after:
        outcome, error = R.DEAD, f"gave up after {row.attempts + 1} attempts over {policy.give_up_after}: {error}"
    if error is not None and outcome not in (R.DEFERRED, R.HELD, R.THROTTLED):  # said once: breaker, hold, throttle
        log.warning("message %s to %s %s: %s", row.message_id, row.platform, outcome, mask_text(error))
    return Result(row, outcome, {**_new_values(row, outcome, error, delay, counted, now), **wire_values(wire)})


def wire_values(wire: Wire | None) -> dict[str, Any]:
    """The bind parameters of the wire columns: the body sent, and {method, url, headers, status, answer} as
    canonical JSON (the answer as text: the court's JSON or XML receipt); None keeps what the row holds."""
    if wire is None:
        return {"new_wire_body": None, "new_wire_json": None}
    meta = {
        "method": wire.method,
        "url": wire.url,
        "headers": dict(wire.headers),
        "status": wire.status,
        "answer": wire.answer.decode("utf-8", "replace"),
    }
    return {"new_wire_body": wire.body, "new_wire_json": canonical_text(meta)}


def _send(link: PlatformLink, row: Claimed, retrying: Retrying) -> Receipt:
    """The stored envelope, as sent: parsed from the row and handed to the platform's connector.

    The first try is made directly; only when it fails does `retrying` take over, its first attempt being that
    failure (raised again, not sent again): the same tries, waits and verdicts as `retrying(send, envelope)`,
    without tenacity's bookkeeping on every message that goes through at once (most of them)."""
    envelope = Envelope.model_validate_json(row.envelope_json)
    try:
        return _paced(link, envelope)
    except Exception as exc:
        failed: BaseException | None = exc

    def again() -> Receipt:
        nonlocal failed
        if failed is not None:
            first, failed = failed, None
            raise first
        return _paced(link, envelope)

    return retrying(again)


def _paced(link: PlatformLink, envelope: Envelope) -> Receipt:
    """One request of the send (each quick try is one), in its turn under the platform's requests-per-second cap."""
    link.throttle.acquire()
    return link.connector.send(envelope)


def _new_values(
    row: Claimed, outcome: DeliveryResult, error: str | None, delay: float, counted: bool, now: datetime
) -> dict[str, Any]:
    """The row's columns after this result, as the bind parameters of adapter/outbox/record.py's UPDATE."""
    values: dict[str, Any] = {
        "new_status": row.status,
        "new_attempts": row.attempts + (1 if counted else 0),
        "new_error": error,
        "new_next": to_utc(from_db(row.next_attempt_at)),
        "new_delivered": None,
        "new_queued": to_utc(from_db(row.queued_at)),
    }
    if outcome in (R.HELD, R.THROTTLED):
        # Time spent held for our own credentials is not the court failing this message: the give-up window
        # starts again when the hold ends, so a hold longer than give_up_after cannot kill on the first blip after.
        values["new_queued"] = to_utc(now)
    if outcome in (R.DELIVERED, R.DUPLICATE):
        values.update(new_status=OutboxStatus.DELIVERED, new_delivered=to_utc(now))
    elif outcome is R.DEAD:
        values["new_status"] = OutboxStatus.DEAD
    else:
        values["new_next"] = to_utc(now) + timedelta(seconds=delay)
    return values
