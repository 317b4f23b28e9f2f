"""CourtCore: the simulated court every sandbox transport (REST, SOAP) stands in front of, made of its jobs."""

from typing import Any

from sandbox.court.config import SandboxConfig
from sandbox.court.drift import Drift
from sandbox.court.faults import Faults
from sandbox.court.misconfig import impostor
from sandbox.court.rules import Rules
from sandbox.court.views import Views


class CourtCore(Rules, Drift, Faults, Views):
    """Thread-safe: the HTTP servers call it from many threads.

    One object, as the transports and tests hold it, whose methods are grouped by job in the modules of
    sandbox/court/ over one shared state (state.py)."""

    def __init__(self, config: SandboxConfig, court_signer: Any, *args: Any, **kwargs: Any) -> None:
        # wrong-key: the court signs with a key the centre was never given (sandbox/court/misconfig.py)
        signer = impostor(court_signer) if "wrong-key" in config.misconfigured else court_signer
        super().__init__(config, signer, *args, **kwargs)
