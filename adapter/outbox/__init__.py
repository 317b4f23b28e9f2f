"""The outbox: messages to the courts, written in the same transaction as the state change that caused them, then
delivered at least once, in each case's order, on the platform's retry schedule.

    delivery.py      deliver_due: one delivery run — claim, send, record, round after round
    claim.py         claim / renew / release: due rows under a short lease and a token; per-case order; rows
                     this process cannot open set aside
    send.py          deliver_one: one message through its platform's gates (credentials hold, breaker), the send,
                     and what the answer means for the row
    record.py        DeliveryResult (what a run counts) and the one conditional UPDATE that records a result
    requeue.py       requeue: the one way a stored message goes back in the queue (audited, claim cleared, new
                     retry window), for dead_letters.py and for reconciliation's repair
    dead_letters.py  an operator's replay of dead messages

The row's statuses are persistence.tables.OutboxStatus; the retry policy and backoff are the platform's
(adapter/platforms/retry.py).
"""
