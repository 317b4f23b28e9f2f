"""Events for the centre: what the centre's own systems must hear of, written in the same transaction as its cause
into the centre-event store (adapter/persistence/event_tables.py), then delivered two ways.

    kinds.py     the event types and, for each, its data (pure; masked: never a clear ID or phone)
    store.py     emit (in the cause's transaction) and page (the GET /api/centre/v1/events list)
    settings.py  the [events] settings section: the centre's webhook URLs, secrets, retry schedule
    port.py      EventSender: what the webhook connector (connectors/centre_webhook.py) implements
    delivery.py  deliver_events: claim due events under a lease, send, record (retry, dead); replay_dead_events

Webhooks are signed with the Standard Webhooks profile (signing/webhooks.py); `webhook-id` is the event id, which a
receiver dedupes by. Events of one case are delivered in their order; an event about no case is not held by others.
"""
