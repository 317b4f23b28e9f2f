"""Wiring the alerts (adapter/alerts/): the destinations from the [alerts] settings, the delivery job and the
evaluation job (conditions without a cause of their own: what clears, a failing job, a stale feed).

With no destination configured the alerts are recorded all the same and count as delivered (to none) as they
fall due, so that one configured later does not receive, or give up on, months of history; the open conditions
are in `docking status`.
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from adapter.alerts.delivery import AlertSender, deliver_alerts
from adapter.alerts.evaluate import evaluate
from adapter.alerts.settings import AlertSettings, Destination, SmtpDestination, WebhookDestination
from adapter.config.settings import Settings
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from connectors.alert_mail import Mail
from connectors.alert_robots import Robot
from connectors.centre_webhook import CentreWebhook
from connectors.port import RejectedError, TransientError
from schemas.clock import Clock
from signing.webhooks import WebhookSigner, parse_secret

log = logging.getLogger("docking.alerts")


class Destinations:
    """Every configured destination, as one AlertSender: an alert is delivered once every destination took it.

    A destination that took an alert is not sent it again when another one's failure makes the alert retried
    (remembered in this process: a restart in between may repeat it there — a generic webhook receiver drops the
    repeat by its webhook-id). The alert goes dead only when every destination still missing it refused it."""

    def __init__(self, senders: list[Any]) -> None:
        self.senders = senders
        self._took: dict[str, set[str]] = {}

    def send(self, alert_id: str, document: dict[str, Any]) -> None:
        if len(self._took) > 1000:  # alerts given up on while partly sent: forget them rather than grow
            self._took.clear()
        took = self._took.setdefault(alert_id, set())
        transient: list[TransientError] = []
        refused: list[RejectedError] = []
        for sender in self.senders:
            if sender.name in took:
                continue
            try:
                sender.send(alert_id, document)
                took.add(sender.name)
            except TransientError as exc:
                transient.append(exc)
            except RejectedError as exc:
                refused.append(exc)
        if not transient and not refused:
            self._took.pop(alert_id, None)
            return
        failed = "; ".join(str(e) for e in [*transient, *refused])
        if transient:
            raise TransientError(
                "alerts", failed, retry_after=max((e.retry_after or 0 for e in transient), default=0) or None
            )
        self._took.pop(alert_id, None)
        raise RejectedError("alerts", "refused", failed)


def build_destination(config: Destination, clock: Clock) -> Any:
    if isinstance(config, WebhookDestination):
        signer = WebhookSigner([parse_secret(config.secret.get_secret_value())], key_id=config.name)
        return CentreWebhook([config.url], signer, timeout=config.timeout_seconds, clock=clock, name=config.name)
    if isinstance(config, SmtpDestination):
        return Mail(
            config.name,
            config.host,
            config.port,
            security=config.security,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            sender=config.sender,
            to=config.to,
            timeout=config.timeout_seconds,
        )
    secret: SecretStr | None = getattr(config, "secret", None)  # WeCom has none: its key is in the URL
    return Robot(
        config.name,
        config.type,
        config.url,
        secret.get_secret_value() if secret is not None else None,
        timeout=config.timeout_seconds,
        clock=clock,
    )


def build_sender(config: AlertSettings, clock: Clock) -> AlertSender:
    return Destinations([build_destination(d, clock) for d in config.destinations])


def retry_policy(config: AlertSettings) -> RetryPolicy:
    return RetryPolicy(
        base=config.retry_base_seconds,
        cap=config.retry_cap_seconds,
        give_up_after=timedelta(hours=config.give_up_after_hours),
    )


def alert_delivery(settings: Settings, uow: UnitOfWork, clock: Clock) -> Callable[[], Counter[str]]:
    """One delivery run of due alerts (to every destination; with none, each counts as delivered)."""
    sender = build_sender(settings.alerts, clock)
    policy = retry_policy(settings.alerts)

    def run() -> Counter[str]:
        counts = deliver_alerts(uow, sender, clock, policy)
        if counts:
            log.info("alerts: %s", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        return counts

    return run


def register(
    scheduler: Any,
    settings: Settings,
    uow: UnitOfWork,
    clock: Clock,
    common: dict[str, Any],
    speed: float,
    guard: Callable[[Callable[..., Any], str], Callable[..., Any]] = lambda job, what: job,
) -> None:
    """The `deliver-alerts` and `evaluate-alerts` jobs (scheduler.register_jobs); `guard` says a database outage
    once (adapter/persistence/outage.py)."""
    scheduler.add_job(
        guard(alert_delivery(settings, uow, clock), "alert delivery"),
        "interval",
        id="deliver-alerts",
        seconds=settings.alerts.deliver_seconds / speed,
        **common,
    )
    later = {k: v for k, v in common.items() if k != "next_run_time"}  # not at start-up, which has enough to do
    scheduler.add_job(
        guard(lambda: evaluate(uow, settings, clock), "alert evaluation"),
        "interval",
        id="evaluate-alerts",
        seconds=settings.alerts.evaluate_seconds / speed,
        **later,
    )
