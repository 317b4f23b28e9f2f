"""The `docking` command line: an entry point above the composition root (scheduler/), never imported by it.

Commands get what they need through scheduler/bootstrap.py (settings read once, the database, the centre's use
cases, one platform's connector) or `build_runtime` (everything, for commands that talk to the courts).

    main.py            the command tree, and the one place errors become messages and exit codes
    output.py          rendering (table, JSON, CSV) and the shared options
    cases.py           docking cases list|show
    centre.py          docking centre …: the centre's use cases
    ops.py             docking outbox list|dead|show|replay
    quarantine_cmd.py  docking quarantine list|show|reprocess|resolve
    reconcile_cmd.py   docking reconcile (and its stored runs)
    deadlines_cmd.py   docking deadlines
    keys.py            docking keys generate|list|rotate|activate|revoke|export-public
    data_keys.py       docking keys data-key|rotate-data
    wsse_cmd.py        docking keys wsse
    attest.py          docking sign|verify: agreement attestations
    mappings_cmd.py    docking mappings check
    db_cmd.py          docking db upgrade
    run_cmd.py         docking run, docking demo
    sandbox_cmd.py     docking sandbox serve
"""
