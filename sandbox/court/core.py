"""CourtCore: the simulated court every sandbox transport (REST, SOAP) stands in front of, made of its jobs."""

from sandbox.court.drift import Drift
from sandbox.court.faults import Faults
from sandbox.court.rules import Rules
from sandbox.court.views import Views


class CourtCore(Rules, Drift, Faults, Views):
    """Thread-safe: the HTTP servers call it from many threads.

    One object, as the transports and tests hold it, whose methods are grouped by job in the modules of
    sandbox/court/ over one shared state (state.py)."""
