"""The simulated court: its case store, its feeds and its rules, shared by every sandbox transport.

It speaks the platform's own wire format (pinyin-initial JSON fields and platform codes), signs what it
publishes under its signature profile, verifies every request (signature, freshness, replayed nonces),
applies each message id once, enforces its own view of the case flow, and rules on judicial-confirmation
applications after a short delay. Its field maps and rules are its own, independent of the adapter's mappings;
the signature profiles are shared code, proved against independent implementations in the interop tests.

    config.py  SandboxConfig: what a court is told to be (seed, pace, rulings, faults, code drift, time form)
    state.py   the shared state (cases, feeds, memory of applied messages, counters), CourtRefusal, records
    auth.py    request crypto: verify the centre's requests, trust a rotated centre key, sign feed items
    feeds.py   dispatch new cases; publish, page, restart and inject feed items
    rules.py   receive the centre's messages: apply each once, enforce the case flow, rule after a delay
    drift.py   forget, alter, lose: what reconciliation must find
    faults.py  which request fails, and how (the transports inflict it)
    views.py   case list, a case's messages, code lists, statuses, stats
    core.py    CourtCore, the one object made of these jobs
"""

from sandbox.court.config import SandboxConfig
from sandbox.court.core import CourtCore
from sandbox.court.state import CST, FLOWS, CourtCase, CourtRefusal, FeedItem

__all__ = ["CST", "FLOWS", "CourtCase", "CourtCore", "CourtRefusal", "FeedItem", "SandboxConfig"]
