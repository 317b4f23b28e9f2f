"""What a sandbox SPC platform is told to be: its account, session length, certification pace, misbehaviours.

Misbehaviours (FAULTS), partners.md §4 "Sandbox":

  dup_id          certifies a mediator whose ID is active in another organisation (the platform would refuse it):
                  the centre must flag the duplicate itself
  expired_term    certifies a mediator whose term has ended by the time it answers (it should refuse: 任期已届满)
  minus_one       answers `-1` to the first form post and every fifth after it
  session_expiry  ends the session after every `session_requests` requests: the login page instead of an answer
  stats_differ    its monthly statistics count one registration more than it holds

Time is real (seconds): certification answers come `certify_after` seconds after a submission, at the next tick.
"""

from dataclasses import dataclass

from sandbox.config_checks import check_faults

FAULTS = ("dup_id", "expired_term", "minus_one", "session_expiry", "stats_differ")


@dataclass
class SpcConfig:
    username: str = "centre"
    password: str = "sandbox-password"  # a sandbox account: the real one comes from the adapter's settings
    session_seconds: float = 1800.0  # how long a session lives without use
    session_requests: int = 3  # session_expiry: requests a session answers before it ends
    certify_after: float = 0.0  # seconds from a submission to its certification answer
    faults: tuple[str, ...] = ()
    id_prefix: str = "SPC"
    callback_key: str | None = None  # the shared key of each row's X-Spc-Signature (listing and callbacks)

    def __post_init__(self) -> None:
        check_faults(self.faults, FAULTS)
        if self.session_seconds <= 0 or self.session_requests < 1 or self.certify_after < 0:
            raise ValueError("session_seconds and session_requests must be positive, certify_after not negative")
