"""The adapter core: everything between the court connectors and the centre's operators. Imports schemas/,
reference/, mappings/, signing/ and connectors/port.py — never a concrete connector, the sandbox, the CLI or the
composition root (scheduler/), which wires this package together.

Which package owns what:

    states.py        the case state machine: statuses, events, the transition table, `advance()`; history notes
    services.py      the centre's use cases: load a case, advance it, queue the court's message, one transaction
    outbox/          sending to courts: claim (lease, per-case order), send, record, dead letters, the one requeue
    inbox/           receiving from courts: polling and its policy, ingest (verify, decode, apply or quarantine),
                     quarantine actions, the replay guard, restarted feeds
    platforms/       each configured court as the core sees it: registry, retry policy + backoff, circuit breaker,
                     credentials and feed holds, signers built from settings
    reconcile/       comparing each court's view with ours, classifying and repairing the differences
    deadlines/       working-day calendar, statutory periods, due dates, and the sweep that alerts on them
    persistence/     engine and unit of work, tables (and the statuses they store), repository, migrations,
                     sealed column types, vault, re-seal, database failures said once
    keys/            our signing keys: keyrings, the keyring signer, WS-Security files, agreement attestations
    config/          the settings object, built once at start-up, and what the loader tells an operator

    job_locks.py routines.py lease.py heartbeats.py
                                                  the periodic work: singleton runs, their leases, live processes
    prune.py stats.py metrics.py                  retention, the figures from the database, in-process counters
    report/                                       the monthly report (工作月报): figures, suppression, PII scan, exports
    errors.py masking.py                          the error tree; masking personal data for logs and output
    case_lookup.py mapping_check.py               finding a case as an operator names it; code-list drift
"""
