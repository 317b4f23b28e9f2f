"""A sandbox court as the integration tests hold it: its core, its server, and the adapter's side of its signing."""

from dataclasses import dataclass

from adapter.config.platform import SigningSettings
from sandbox.court import CourtCore
from sandbox.pairing import Pairing
from sandbox.server import BaseSandboxServer

PLATFORM = "court"  # the adapter's name for the court under test
COURT_KID = "court-test"  # the court's signing key id


@dataclass
class Court:
    core: CourtCore
    server: BaseSandboxServer
    signing: SigningSettings  # the adapter's side of this court's signing arrangement
    pairing: Pairing
