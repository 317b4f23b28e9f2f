"""Sandbox institutions: a bank's or insurer's complaint desk on loopback (partners.md §1 "Sandbox"), for the
complaint-desk connector, its contract suite, the end-to-end tests and integrators.

    config.py   InstitutionConfig: which desk (card_centre, life_insurer, green_pc), misbehaviours, time scale
    scripts.py  what each desk answers to a forward, and when (simulated days)
    steps.py    each scripted step as the canonical body it publishes
    desk.py     DeskCore: complaints, the signed feed, each message id applied once, status
    server.py   DeskServer: the desk API and its control API on loopback
    push.py     DeskPusher: each feed item POSTed to the centre, retried on a WeChat-like ladder
    pairing.py  pair_desk: keys on both sides under jws-detached, sm2-sm3 or hmac-appkey
"""

from sandbox.institution.config import FAULTS, KINDS, InstitutionConfig
from sandbox.institution.desk import DeskCore
from sandbox.institution.server import DeskServer

__all__ = ["FAULTS", "KINDS", "DeskCore", "DeskServer", "InstitutionConfig"]
