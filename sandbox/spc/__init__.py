"""A sandbox SPC mediation platform (总对总, partners.md §4 "Sandbox") on loopback, for the spc_form connector
(connectors/spc_form.py), the partner contract suite, the roster end-to-end tests and integrators.

    config.py    SpcConfig: account, session length, certification pace, misbehaviours
    control.py   SpcControls: the control verbs (refuse, fail, forget, remove, publish) mixed into SpcCore
    platform.py  SpcCore: sessions, organisations, mediators, offline cases, the roster listing, statistics
    server.py    SpcServer: the web form and its control API on loopback
    push.py      SpcCallbacks: each listing row POSTed to the centre's callback URL, signed
"""

from sandbox.spc.config import FAULTS, SpcConfig
from sandbox.spc.platform import SpcCore
from sandbox.spc.server import SpcServer

__all__ = ["FAULTS", "SpcConfig", "SpcCore", "SpcServer"]
