"""Alerts for people: conditions that open and clear, each announced once when it starts and once when it clears,
and sent to the [alerts] destinations through the outbox protocol (retried, dead after the give-up time, replayable).

    kinds.py       AlertKind: the conditions and their titles (pure)
    conditions.py  change(connection, kind, subject, opened=…): the condition and its alert, in the cause's transaction
    causes.py      the causes' calls: dead letter, quarantine, deadline, reconciliation difference, calendar year
    evaluate.py    the periodic look: what clears, failing jobs, stale feeds (from adapter/status/)
    delivery.py    the alert's document; deliver_alerts, replay_dead_alerts (adapter/outbox/table_queue.py)
    settings.py    the [alerts] section: thresholds and destinations (webhook, WeCom, DingTalk, Feishu, SMTP)

The breaker and the holds open theirs through adapter/platforms/state_store.py; the destinations are built by the
composition root (scheduler/alerts.py) from the connectors (connectors/alert_robots.py, alert_mail.py,
centre_webhook.py).
"""
