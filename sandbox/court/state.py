"""The court's state, shared by every job of sandbox/court/: its cases, feeds, memory of applied messages, the
drift bookkeeping, and the counters tests and stats read. One lock guards it all: the HTTP servers call in from
many threads."""

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from sandbox.court.config import SandboxConfig
from signing.base import MemoryReplayGuard, MessageSigner, MessageVerifier

CST = timezone(timedelta(hours=8))
FLOWS = {"01": "民诉前调", "02": "民初", "04": "民诉前调"}  # 调解类型 → case-number type code


class CourtRefusal(Exception):
    """A request the court refuses; `status` is the HTTP status, `code` the platform's error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class CourtCase:
    ajbs: str
    tjlx: str
    status: str = "10"
    history: list[str] = field(default_factory=list)


@dataclass
class FeedItem:
    seq: int
    body: str
    headers: dict[str, str]  # the court's signature over body, under its profile


class CourtState:
    """The fields every job reads and writes; the jobs themselves are the mixins CourtCore is made of."""

    def __init__(
        self,
        config: SandboxConfig,
        court_signer: MessageSigner,
        centre_verifier: MessageVerifier,
        clock: Callable[[], float] = time.monotonic,
        render: Callable[[dict[str, Any]], str] = lambda doc: json.dumps(doc, ensure_ascii=False),
    ) -> None:
        self.config = config
        self.render = render  # how this court's transport writes a published message: JSON, or XML for SOAP
        self._signer = court_signer
        self._verifier = centre_verifier
        self.replay = MemoryReplayGuard()
        self._clock = clock
        self._rng = random.Random(config.seed)
        self._lock = threading.RLock()
        self.cases: dict[str, CourtCase] = {}
        self._feeds: dict[str, list[FeedItem]] = {"dispatches": [], "decisions": []}
        # How a feed answers a cursor past its end: "echo" hands it back (nothing new), "position" gives the
        # feed's own end — what a court whose feed restarted (reset_feed) may do either way.
        self._past_end = "echo"
        self._applied: dict[str, dict[str, Any]] = {}  # message id → the original answer
        self._due: list[tuple[float, str, str]] = []  # (when, ajbs, decision type)
        self._serial = 1000
        self.duplicates_dropped = 0
        self.signature_failures: dict[str, int] = {}
        self.applications: dict[str, int] = {}  # message id → times applied (must never exceed 1)
        self.applied_order: dict[str, list[str]] = {}  # case → the message ids applied to it, in order
        self.documents: dict[str, list[bytes]] = {}  # case → the agreement PDFs received (wj), for a clerk's check
        self.seals: dict[str, list[bytes]] = {}  # case → the SM2 seals (detached CMS, wjqm) received beside them
        # Drift for reconciliation (forget, alter, lose): what the court issued about each case (body, message id),
        # its dispatch log (case → flow, kept even when a case is forgotten), and per applied message the case's
        # status and history length before it, so losing messages rolls the case back as if they never came.
        self._records: dict[str, list[tuple[str, str]]] = {}
        self._dispatched: dict[str, str] = {}
        self._undo: dict[str, tuple[str | None, int]] = {}
        self.forgotten_messages = 0
        self.faults: dict[str, int] = {}
        self._fault_rng = random.Random(config.seed + 1)
        self._outage_until = 0.0
        self.rejected: list[tuple[str, str]] = []  # (code, message) of every refusal, for tests and stats

    def _known(self, ajbs: str) -> CourtCase:
        case = self.cases.get(ajbs)
        if case is None:
            raise CourtRefusal(404, "E404", f"unknown case {ajbs}")
        return case
