"""The settings of one platform (one court's endpoint): transport, signing profile and keys, WS-Security for a SOAP
court, timestamps, polling, delivery retries and TLS. Part of the Settings model (adapter/config/settings.py), which
holds a `PlatformSettings` per platform name.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from mappings.times import DEFAULT_FORM, TimestampForm

Profile = Literal["jws-detached", "sm2-sm3", "hmac-appkey"]


class SigningSettings(BaseModel):
    """How one platform signs and verifies (domain.md §5: agreed per counterpart)."""

    model_config = ConfigDict(extra="forbid")

    profile: Profile = "jws-detached"
    keyring: Path | None = None  # our keys (jws-detached, sm2-sm3): a folder made by `docking keys generate`
    passphrase_env: str | None = None  # the environment variable holding the keyring's passphrase, if encrypted
    court_keys: dict[str, Path] = {}  # the court's key ids → public key files (jws-detached, sm2-sm3)
    revoked_court_keys: list[str] = []
    app_key: str | None = None  # hmac-appkey: ours …
    app_secret: SecretStr | None = None
    court_app_key: str | None = None  # … and the court's
    court_app_secret: SecretStr | None = None
    hmac_method: Literal["HMAC-SHA256", "HMAC-SM3"] = "HMAC-SHA256"
    sm2_distid: str = Field(default="1234567812345678", min_length=1, max_length=64)
    sm2_signature: Literal["der", "raw"] = "der"
    sm2_encoding: Literal["base64", "hex"] = "base64"
    # The case of hex, both ways: sm2-sm3 hex signatures, hmac-appkey signatures and the body hash inside the HMAC's
    # signed text (which the court must compute the same way). The other case is refused as malformed.
    hex_case: Literal["lower", "upper"] = "lower"
    # A feed is read whenever the adapter is up, so a pulled message may rightly be old; older than this it is
    # refused as stale (a replayed archive, or a court clock years off), and kept in quarantine.
    feed_max_age_hours: int = Field(default=168, ge=1, le=24 * 365)

    @model_validator(mode="after")
    def _complete(self) -> "SigningSettings":
        if self.profile == "hmac-appkey":
            missing = [
                n for n in ("app_key", "app_secret", "court_app_key", "court_app_secret") if not getattr(self, n)
            ]
        else:
            missing = [n for n in ("keyring", "court_keys") if not getattr(self, n)]
        if missing:
            raise ValueError(f"profile {self.profile} needs {', '.join(missing)}")
        return self


class WsseSettings(BaseModel):
    """WS-Security for a SOAP court: our signing key and certificate, and the court's certificates (PEM files).

    The court's answers are trusted only if signed by one of `court_certificates` (several during rotation).
    """

    model_config = ConfigDict(extra="forbid")

    key: Path
    certificate: Path
    passphrase_env: str | None = None  # the environment variable holding the key's passphrase, if encrypted
    court_certificates: list[Path] = Field(min_length=1)
    sm2_distid: str = Field(default="1234567812345678", min_length=1, max_length=64)


class PlatformSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transport: Literal["rest", "soap"] = "rest"
    base_url: str  # rest: the API root; soap: the WebService endpoint (the WSDL itself ships with the adapter)
    signing: SigningSettings  # how the court's published messages are signed (and, for rest, our requests)
    wsse: WsseSettings | None = None  # soap only, and required there
    soap_debug: bool = False  # soap: keep the last request and answer envelopes in memory for inspection
    # The form of every time in this court's messages, as its interface documents it (mappings/times.py):
    # iso8601 (offset required), iso8601_china (an offset-less time is China time), yyyyMMddHHmmss,
    # "yyyy-MM-dd HH:mm:ss" (China time),
    # epoch_seconds, epoch_millis. A time in any other form is quarantined as malformed, naming the field.
    timestamp_format: TimestampForm = DEFAULT_FORM
    # This platform is a court's test endpoint (a sandbox, an integration environment): `docking conformance` runs
    # its scenario only against one marked so, never against a production court (adapter/conformance/).
    test_endpoint: bool = False
    poll_seconds: float = Field(default=10.0, gt=0)
    # "poll": we read the court's feeds; "push": the court POSTs its feed items to /api/court/v1/… (api/court.py,
    # adapter/inbox/push.py) and the platform is not polled. Either way we send to it as before.
    mode: Literal["poll", "push"] = "poll"
    push_max_bytes: int = Field(default=1024 * 1024, ge=1024)  # a larger pushed item is refused and kept (oversized)
    # How far a pushed request's signed time may be from our clock, either way, in seconds (partners.md §6: a
    # timestamp window; default ±5 min). Outside it the push is refused `stale` or `future`, naming this setting.
    # A court whose clock drifts, or whose gateway queues requests, may need more; never more than a day.
    push_window_seconds: int = Field(default=300, ge=10, le=86400)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # The largest answer read from the court; a feed page past it is asked for in smaller pages, and a feed whose
    # single next item is larger is held with an alert naming this setting (adapter/platforms/feed_hold.py).
    max_response_mb: float = Field(default=20.0, gt=0, le=1024)
    # Delivery: transient failures back off exponentially with full jitter up to the cap, for at least
    # give_up_after_hours before a message is declared dead; the breaker stops calls after repeated failures.
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    give_up_after_hours: float = Field(default=24.0, gt=0)
    # Delivery concurrency (adapter/outbox/flight.py): up to this many messages to this platform in flight at once
    # from one worker, never two of one case (so each case's order holds); the HTTP keep-alive pool is sized to it.
    # A court answers in tens to hundreds of ms: one message at a time moves at most 1 ÷ latency a second.
    max_in_flight: int = Field(default=16, ge=1, le=64)
    # Child processes that make this platform's sends (scheduler/send_processes.py): 0 sends from the worker itself.
    # For a SOAP court, whose sends are mostly CPU (XML, WS-Security, RSA), on a machine with cores to spare: one
    # worker process runs Python on one core at a time. The in-flight sends are shared among them.
    send_processes: int = Field(default=0, ge=0, le=32)
    # A child process that examines this platform's polled pages (verify, decode: scheduler/check_process.py) while
    # the worker writes the page before: for a court whose feed brings more than ~1,000 dispatches a second to one
    # worker (a catch-up after an outage). False: the worker examines each page itself.
    check_process: bool = False
    # A cap on the requests a second one worker process sends this platform (None: none), for a court that limits
    # its callers; a 429 pauses the platform for its Retry-After whatever the cap (adapter/platforms/throttle.py).
    requests_per_second: float | None = Field(default=None, gt=0, le=10000)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_cooldown_seconds: float = Field(default=30.0, gt=0)
    # A dispatch feed that has not moved for this many polls has the court's case list compared with ours: a
    # feed restarted behind our cursor would otherwise hide new dispatches (adapter/inbox/feed_watch.py).
    feed_stall_polls: int = Field(default=360, ge=1)
    # Mutual TLS, for courts that require a client certificate (PEM files), and a private CA bundle.
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None

    @field_validator("test_endpoint", mode="before")
    @classmethod
    def _real_boolean(cls, value: object) -> object:
        # A safety switch: "yes", "false" or 1 read as true would let the kit send to a production court.
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false (an unquoted TOML boolean), not {value!r}")
        return value

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _wsse_for_soap(self) -> "PlatformSettings":
        if self.transport == "soap" and self.wsse is None:
            raise ValueError("a soap platform needs [wsse] key, certificate and court_certificates")
        if self.transport == "rest" and self.wsse is not None:
            raise ValueError("wsse applies to soap platforms only")
        return self

    @model_validator(mode="after")
    def _processes_within_flight(self) -> "PlatformSettings":
        if self.send_processes > self.max_in_flight:  # each process makes at least one of the sends in flight
            raise ValueError(
                f"send_processes ({self.send_processes}) is more than max_in_flight ({self.max_in_flight}): a send"
                " process would have nothing to send"
            )
        if self.send_processes and self.soap_debug:  # the envelopes would be kept in a child, out of reach
            raise ValueError("soap_debug cannot be used with send_processes: set send_processes = 0 to debug")
        if self.check_process and self.mode == "push":  # its pages come by push, one request each: nothing to read
            raise ValueError('check_process applies to a polled court: this one pushes (mode = "push")')
        return self
