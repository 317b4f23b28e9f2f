"""Simulated court platforms: real servers on loopback that behave like a court ODR platform, for the demo,
the integration tests and integrators at a new court. Independent of the adapter's own mappings on purpose:
a mapping bug must show up as a disagreement with the sandbox, not be mirrored by it.

    court/       the simulated court itself (CourtCore), split by job: config, state, auth, feeds, rules, drift,
                 faults, views
    server.py    what both transports share: the HTTP server, request handling (limits, latency, faults), the
                 control API (/sandbox/…)
    rest.py      the REST court: the platform's JSON API under /api/v1
    soap.py      the SOAP court: the court-exchange WebService, WS-Security both ways
    wire.py      how the REST court writes JSON, hostile items included
    timeforms.py the time forms a court may document
    data.py      realistic dispatch data (案号, resident IDs, USCCs, causes)
    pairing.py   a court wired to one adapter platform under a signature profile (keys on both sides)
    push.py      a court that pushes its feed items to the adapter's /api/court/v1/… (mode = "push")
    centre.py    a simulated mediation centre driving cases through the centre API over HTTP
    hooks.py     its webhook receiver: the centre events, verified with the reference standardwebhooks package
    demo.py      `docking demo`: three courts (REST and SOAP polled, one pushing), the adapter with its HTTP API,
                 and the centre, every flow
"""
