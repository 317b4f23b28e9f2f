"""Wiring the centre-event webhooks (adapter/events/): the sender from the [events] settings, and the delivery job.

Nothing is pushed when no URL is configured; the events are stored all the same (GET /api/centre/v1/events).
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from adapter.config.settings import Settings
from adapter.events.delivery import deliver_events
from adapter.events.settings import EventSettings
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from connectors.centre_webhook import CentreWebhook
from scheduler.job_context import bound
from schemas.clock import Clock
from signing.webhooks import WebhookSigner, parse_secret

log = logging.getLogger("docking.events")


def retry_policy(config: EventSettings) -> RetryPolicy:
    return RetryPolicy(
        base=config.retry_base_seconds,
        cap=config.retry_cap_seconds,
        give_up_after=timedelta(hours=config.give_up_after_hours),
    )


def build_sender(config: EventSettings, clock: Clock) -> CentreWebhook | None:
    if not config.urls:
        return None
    if not config.secrets:
        raise ValueError("[events] urls need secrets (whsec_…): the centre verifies every webhook")
    signer = WebhookSigner([parse_secret(secret.get_secret_value()) for secret in config.secrets], key_id="centre")
    return CentreWebhook(config.urls, signer, timeout=config.timeout_seconds, clock=clock)


def event_delivery(settings: Settings, uow: UnitOfWork, clock: Clock) -> Callable[[], Counter[str]] | None:
    """One delivery run of due centre events, or None when no URL is configured."""
    config = settings.events
    sender = build_sender(config, clock)
    if sender is None:
        return None
    policy = retry_policy(config)

    def run() -> Counter[str]:
        counts = deliver_events(uow, sender, clock, policy, limit=config.batch)
        if counts:
            log.info("centre events: %s", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        return counts

    return run


def register(
    scheduler: Any, settings: Settings, uow: UnitOfWork, clock: Clock, common: dict[str, Any], speed: float
) -> None:
    """The `deliver-events` job, beside `deliver` (scheduler.register_jobs)."""
    run = event_delivery(settings, uow, clock)
    if run is not None:
        scheduler.add_job(
            bound(run, "deliver-events"),
            "interval",
            id="deliver-events",
            seconds=settings.events.deliver_seconds / speed,
            **common,
        )
