"""A sandbox arbitration commission on loopback (partners.md §3 "Sandbox"), for the arbitration wire
(mappings/arbitration.py), the partner contract suite, the end-to-end tests and integrators.

    config.py      CommissionConfig: name, case-number form, pace, misbehaviours, time scale
    scripts.py     what the commission answers, and when (simulated calendar days)
    steps.py       each scripted step as the canonical body it publishes
    commission.py  CommissionCore: cases, the signed feed, each message id applied once, its own status view
    server.py      CommissionServer: the commission API and its control API on loopback
    push.py        CommissionPusher: each feed item POSTed to the centre's push intake
    pairing.py     pair_commission: keys on both sides
"""

from sandbox.arbitration.commission import CommissionCore
from sandbox.arbitration.config import FAULTS, CommissionConfig
from sandbox.arbitration.server import CommissionServer

__all__ = ["FAULTS", "CommissionConfig", "CommissionCore", "CommissionServer"]
