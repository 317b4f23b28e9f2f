"""The sandbox traffic-accident platform (道交一体化, partners.md §2 "Sandbox") on loopback, for the partner
connector, the partner contract suite, the end-to-end tests and integrators.

    config.py    TrafficConfig: pace (appraisal after N working days), misbehaviours, time scale, time form
    police.py    the police feed: realistic certificates, parties with valid IDs, policies with valid USCCs
    script.py    what the platform publishes after each centre message, and when (simulated days)
    bodies.py    each centre message's effect, each step as the canonical body it publishes
    case.py      PlatformCase: one case as the platform keeps it
    platform.py  TrafficCore: cases, the signed feed, each message id applied once, status, statistics
    server.py    TrafficServer: the platform API and its control API on loopback
    push.py      TrafficPusher: each feed item POSTed to the centre, retried on a WeChat-like ladder
    pairing.py   pair_traffic: keys on both sides under jws-detached, sm2-sm3 or hmac-appkey
"""

from sandbox.traffic.config import FAULTS, TrafficConfig
from sandbox.traffic.platform import TrafficCore
from sandbox.traffic.server import TrafficServer

__all__ = ["FAULTS", "TrafficConfig", "TrafficCore", "TrafficServer"]
