"""The inbox: what the courts publish, read from their feeds, verified, applied once, or quarantined with its bytes.

    poll_policy.py   PollPolicy: the polling job — one poller per platform, Retry-After, credentials hold and
                     breaker gates, failures logged and counted, never raised; which feeds were read once
    polling.py       poll: one feed page by page from its cursor; a feed found behind our cursor re-read
    page_read.py     PageReader: a page read in turn, or a page ahead with a check process; told to breaker and holds
    feed_watch.py    a dispatch feed that restarted without saying so, found and recovered
    ingest.py        ingest / ingest_item: the one ingest path — verify, decode, route to apply or quarantine
    examine.py       examine / conclude: an item's checks without the database and the clock, then with them
    page_checks.py   PageChecks: a page's items examined in a check process while the page before is written
    page.py          ingest_page: a feed page's items the same way, in one transaction with a savepoint per item
    item_outcome.py  Ingested, Outcome and Settle: how an item ended, and the hook that records it
    apply.py         applying a message: the inbox row and the case change in one transaction
    refusal.py       keeping a refused item's bytes and reason in quarantine, once; text a database can store
    digest.py        the envelope digest that tells a duplicate from a conflicting replay
    quarantine.py    an operator's actions on quarantined items: reprocess through ingest, or resolve
    replay_guard.py  the nonce guard against replayed signed requests

The breaker, the credentials hold and the feed holds that gate a poll are the platform's (adapter/platforms/).
"""
