"""Benchmarks, run as `python -m bench.<name>`; each prints a line per run, then one JSON line.

    delivery.py        delivery throughput (raw, SQLite, PostgreSQL 1 and 2 workers, procrastinate, SOAP), backlogs
    reconcile.py       reconciling a million cases beside a raw SQL baseline; reconcile_data.py builds its data
    signing.py         signature throughput per profile
    api.py             the centre API over HTTP against the same use cases in-process; latency at a fixed rate
    push.py            push intake: signed dispatches per second over HTTP against the same dispatches polled
    harness.py         what the delivery benchmarks share: a court process, queued acceptances, timed workers
    backlog.py         a deep outbox: per-message time and peak RSS
    peer.py            the same deliveries through procrastinate
Child processes, real modules so ruff and mypy see them: worker.py (our delivery worker), peer_worker.py (the
procrastinate worker), baseline.py (the plain-sqlite3 floor; imports nothing of ours, so keep this file empty of
imports). The private PostgreSQL server comes from adapter.testing, as the tests take it.
"""
