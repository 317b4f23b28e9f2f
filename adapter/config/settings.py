"""Configuration: one typed object built once at start-up from a TOML file and DOCKING_* environment variables.

Environment wins over the file (DOCKING_DATABASE_URL, DOCKING_PLATFORMS__<NAME>__BASE_URL, …), so secrets and
per-host values need not sit in the file. Nothing here is read at import time.
"""

import base64
import binascii
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from adapter.alerts.settings import AlertSettings
from adapter.audit.settings import AuditSettings
from adapter.config import hints as config_hints
from adapter.config.desks import ComplaintSettings, DeskSettings
from adapter.config.partners import PartnerOptions, PartnerRulesError, PartnerSettings, partner_rules
from adapter.config.platform import PlatformSettings
from adapter.config.tomlfile import read_toml
from adapter.deadlines.config import DeadlinePolicy
from adapter.errors import ConfigError
from adapter.events.settings import EventSettings
from adapter.persistence.vault import Algorithm, DataKey, Vault
from adapter.seal.settings import SealSettings

log = logging.getLogger("docking.settings")

# database_url schemes: one driver each, so "not supported" and "driver not installed" are told apart.
SUPPORTED_DATABASES = {
    "sqlite": "a file, one worker process",
    "postgresql+psycopg": "several workers; pip install 'court-docking[postgres]'",
}


class DataKeySettings(BaseModel):
    """One data key for sealing personal data at rest: inline base64 (best from the environment) or a key file."""

    model_config = ConfigDict(extra="forbid")

    algorithm: Algorithm = "aes-256-gcm"
    key: SecretStr | None = None  # base64; e.g. DOCKING_ENCRYPTION__KEYS__<ID>__KEY
    key_file: Path | None = None  # a file holding the base64 key, as `docking keys data-key` writes it

    @model_validator(mode="after")
    def _one_source(self) -> "DataKeySettings":
        if (self.key is None) == (self.key_file is None):
            raise ValueError("give exactly one of key or key_file")
        return self


class EncryptionSettings(BaseModel):
    """Field-level encryption at rest (adapter/persistence/vault.py). Several keys during a rotation; `active` seals."""

    model_config = ConfigDict(extra="forbid")

    active: str
    keys: dict[str, DataKeySettings] = Field(min_length=1)

    @model_validator(mode="after")
    def _active_listed(self) -> "EncryptionSettings":
        if self.active not in self.keys:
            raise ValueError(f"active key {self.active!r} is not in keys ({', '.join(sorted(self.keys))})")
        return self

    def vault(self) -> Vault:
        """The vault; ConfigError naming the key when a key file is missing or a key is not valid base64/length."""
        keys = []
        for kid, config in self.keys.items():
            try:
                if config.key_file is not None:
                    encoded = config.key_file.read_text(encoding="ascii").strip()
                else:
                    assert config.key is not None
                    encoded = config.key.get_secret_value().strip()
                keys.append(DataKey(kid, config.algorithm, base64.b64decode(encoded, validate=True)))
            except OSError as exc:
                raise ConfigError(f"encryption key {kid}: cannot read {config.key_file}: {exc.strerror}") from None
            except (binascii.Error, UnicodeDecodeError):
                raise ConfigError(f"encryption key {kid}: not valid base64") from None
            except ValueError as exc:
                raise ConfigError(f"encryption key {kid}: {exc}") from None
        return Vault(keys, self.active)


class JobSettings(BaseModel):
    """How often the scheduled jobs run (scheduler/). Times of day are China time (Asia/Shanghai)."""

    model_config = ConfigDict(extra="forbid")

    reconcile_seconds: float = Field(default=900, gt=0)  # frequent pass over open cases
    # The frequent pass makes the safe repairs (re-deliver, fetch); other differences are only reported.
    reconcile_repair: bool = True
    # … and also re-sends every message of a case the court does not know (missing_at_platform). Off: a court
    # that lost its state may refuse the re-sent messages, and they would go dead (see adapter/reconcile).
    reconcile_resend_missing: bool = False
    nightly_reconcile_at: str = Field(default="02:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # the full pass
    deadline_sweep_seconds: float = Field(default=900, gt=0)
    prune_seconds: float = Field(default=3600, gt=0)
    # Delivered messages of cases at rest are kept this long (for audit and re-sends), then pruned.
    retention_days: float = Field(default=90, gt=0)
    monthly_report_at: str = Field(default="06:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # on the 1st
    # A run that missed its time (process busy or down) still runs if this late, once (coalesced).
    misfire_grace_seconds: int = Field(default=600, ge=1)


class ReportSettings(BaseModel):
    """The monthly report (adapter/report/, partners.md §5): suppression and who counts as a partner."""

    model_config = ConfigDict(extra="forbid")

    # Case counts of 1 to min_cell − 1 are shown as "<min_cell" (with complementary cells; adapter/report/
    # desensitise.py). partners.md §5 suggests 5 for the regulator's package; 3 keeps small courts' rows readable.
    min_cell: int = Field(default=3, ge=1, le=100)
    # API clients (api/clients.py names) whose self-received cases are a partner's (e.g. a bank's complaint system).
    partner_clients: list[str] = []


class ApiSettings(BaseModel):
    """`docking serve`: where the HTTP API listens, its TLS and its limits (api/)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"  # loopback unless the operator decides otherwise
    port: int = Field(default=8750, ge=0, le=65535)  # 0: any free port (tests)
    tls_certificate: Path | None = None  # PEM; with tls_key the API speaks HTTPS only
    tls_key: Path | None = None
    tls_client_ca: Path | None = None  # PEM bundle: with it, every client must present a certificate it signed
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)  # a 5 MB agreement PDF in multipart fits
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # How long the first answer to a POST is kept for retries under its Idempotency-Key (a retry later acts anew).
    idempotency_retention_hours: float = Field(default=168.0, gt=0)

    @model_validator(mode="after")
    def _tls_pair(self) -> "ApiSettings":
        if (self.tls_certificate is None) != (self.tls_key is None):
            raise ValueError("give both tls_certificate and tls_key, or neither")
        if self.tls_client_ca is not None and self.tls_certificate is None:
            raise ValueError("tls_client_ca needs tls_certificate and tls_key")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKING_", env_nested_delimiter="__", extra="forbid")
    # The config file these settings were read from (load_settings); None: defaults and the environment only
    _source: Path | None = PrivateAttr(default=None)

    database_url: str = "sqlite:///docking-data/docking.db"
    # SQLite: how long a writer waits for another process's write lock before failing with "database locked".
    database_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    deliver_seconds: float = Field(default=2.0, gt=0)
    deliver_batch: int = Field(default=50, ge=1, le=1000)
    platforms: dict[str, PlatformSettings] = {}
    # Personal data sealed at rest; without it ID and phone numbers are stored in clear (`docking run` warns).
    encryption: EncryptionSettings | None = None
    jobs: JobSettings = JobSettings()
    report: ReportSettings = ReportSettings()
    deadlines: DeadlinePolicy = DeadlinePolicy()  # statutory periods, per-court overrides, the holiday file
    api: ApiSettings = ApiSettings()  # `docking serve`
    events: EventSettings = EventSettings()  # centre events by webhook (adapter/events/settings.py)
    alerts: AlertSettings = AlertSettings()  # thresholds and alert destinations (adapter/alerts/settings.py)
    desks: dict[str, DeskSettings] = {}  # institutions' complaint desks (adapter/config/desks.py)
    complaints: ComplaintSettings = ComplaintSettings()
    partners: dict[str, PartnerSettings] = {}  # docking partners: traffic, arbitration, roster (config/partners.py)
    partner_jobs: PartnerOptions = PartnerOptions()
    audit: AuditSettings = AuditSettings()  # the tamper-evident audit log (adapter/audit/)
    seal: SealSettings = SealSettings()  # the centre's e-seal on agreement PDFs (adapter/seal/)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if not scheme:
            raise ValueError("is not a database URL such as sqlite:///docking.db")
        if scheme not in SUPPORTED_DATABASES:
            supported = "; ".join(f"{s}://… ({what})" for s, what in SUPPORTED_DATABASES.items())
            raise ValueError(f"{scheme}:// is not supported; use {supported}")
        return value

    @model_validator(mode="after")
    def _own_keyring_per_platform(self) -> "Settings":
        # One key per court or desk: a signature made for one must never be usable at another.
        seen: dict[Path, str] = {}
        for name, platform in [*self.platforms.items(), *self.desks.items(), *self.partners.items()]:
            keyring = platform.signing.keyring
            if keyring is None:
                continue
            other = seen.setdefault(keyring.resolve(), name)
            if other != name:
                raise ValueError(f"platforms {other} and {name} share the keyring {keyring}; give each its own")
        return self

    @model_validator(mode="after")
    def _desks_apart_from_courts(self) -> "Settings":
        # A desk is a platform too: its inbox rows, quarantine, cursors and breaker state are kept by name.
        both = sorted(set(self.platforms) & set(self.desks))
        if both:
            raise ValueError(f"{', '.join(both)} is both a court platform and a complaint desk; name them apart")
        # One desk per institution: its complaints (personal data) must not go to whichever desk is listed first.
        served: dict[str, str] = {}
        for name, desk in self.desks.items():
            for uscc in desk.institution_uscc:
                other = served.setdefault(uscc, name)
                if other != name:
                    raise ValueError(f"desks {other} and {name} both list institution {uscc}; give it to one")
        return self

    @model_validator(mode="after")
    def _partners_apart_and_their_rules(self) -> "Settings":
        # A partner is a platform too (inbox, quarantine, cursors and breaker by name); its rules fit its kind.
        both = sorted((set(self.platforms) | set(self.desks)) & set(self.partners))
        if both:
            raise ValueError(f"{', '.join(both)} is both a partner and a court or desk; name them apart")
        for name, partner in self.partners.items():
            try:
                partner_rules(name, partner)
            except PartnerRulesError as exc:
                raise ValueError(str(exc)) from None
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return env_settings, init_settings  # environment over file


def load_settings(path: Path | None) -> Settings:
    """Settings from `path` (or defaults and environment only); ConfigError naming the file and field.

    Beyond validation (adapter/config/hints.py): an unknown key gets "did you mean …?", an environment override
    naming a platform the file lacks is refused, and a DOCKING_* variable no setting reads is warned about."""
    data: dict[str, Any] = {}
    if path is not None:
        data = read_toml(path, "config file")
        _resolve_paths(data, path.parent)
        file_platforms = list(data.get("platforms") or {}) if isinstance(data.get("platforms"), dict) else []
        absent = config_hints.absent_platforms(os.environ, file_platforms)
        if absent:
            variable, name = absent[0]
            raise ConfigError(
                f"{variable} overrides platform {name!r}, which config file {path} does not have (it has: "
                f"{', '.join(file_platforms) or 'none'}); names in variables match the file's regardless of case"
            )
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        where = f"config file {path} (with any DOCKING_* environment overrides)" if path else "configuration"
        raise ConfigError(f"{where} is not valid: {config_hints.describe(exc, Settings, environ=os.environ)}") from None
    named = {
        env
        for platform in settings.platforms.values()
        for env in (platform.signing.passphrase_env, platform.wsse.passphrase_env if platform.wsse else None)
        if env
    }
    for partner in settings.partners.values():  # a partner's keyring passphrase and the SPC form's secrets
        form = partner.form
        named.update(e for e in (partner.signing.passphrase_env, form and form.password_env,
                                 form and form.callback_key_env) if e)  # fmt: skip
    if settings.audit.passphrase_env:
        named.add(settings.audit.passphrase_env)
    for warning in config_hints.unknown_variables(os.environ, Settings, named):
        log.warning("%s", warning)
    settings._source = path
    return settings


def read_from(settings: Settings) -> Path | None:
    """The config file `settings` were read from; None when none was (no --config, no DOCKING_CONFIG)."""
    return settings._source


def delivery_warnings(settings: Settings) -> list[str]:
    """What a worker should say at start about its delivery settings (`docking run`, `docking serve` with jobs; not
    every command that reads the settings): a deliver_batch under twice a platform's max_in_flight — a claim round
    takes deliver_batch rows, so fewer leave that platform's sends idle while the round's last ones finish (README,
    Concurrent delivery)."""
    return [
        f"deliver_batch {settings.deliver_batch} is under twice platform {name}'s max_in_flight "
        f"{platform.max_in_flight}: its sends wait between claim rounds; raise deliver_batch to at least "
        f"{2 * platform.max_in_flight} (or lower max_in_flight)"
        for name, platform in settings.platforms.items()
        if settings.deliver_batch < 2 * platform.max_in_flight
    ]


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    """Key file paths in a config file are relative to that file, not to wherever the process started."""
    sections = [data.get(n) for n in ("platforms", "desks", "partners")]
    for platform in [p for section in sections if isinstance(section, dict) for p in section.values()]:
        if not isinstance(platform, dict):
            continue
        for name in ("client_cert", "client_key", "ca_bundle"):
            if isinstance(platform.get(name), str):
                platform[name] = str(base / platform[name])
        signing = platform.get("signing")
        if not isinstance(signing, dict):
            continue
        if isinstance(signing.get("keyring"), str):
            signing["keyring"] = str(base / signing["keyring"])
        keys = signing.get("court_keys")
        if isinstance(keys, dict):
            signing["court_keys"] = {k: str(base / v) if isinstance(v, str) else v for k, v in keys.items()}
    deadlines = data.get("deadlines")
    if isinstance(deadlines, dict) and isinstance(deadlines.get("holiday_file"), str):
        deadlines["holiday_file"] = str(base / deadlines["holiday_file"])
    keys = (data.get("encryption") or {}).get("keys") if isinstance(data.get("encryption"), dict) else None
    for key in (keys or {}).values():
        if isinstance(key, dict) and isinstance(key.get("key_file"), str):
            key["key_file"] = str(base / key["key_file"])
    audit = data.get("audit")
    if isinstance(audit, dict) and isinstance(audit.get("keyring"), str):
        audit["keyring"] = str(base / audit["keyring"])
    api = data.get("api")
    for name in ("tls_certificate", "tls_key", "tls_client_ca"):
        if isinstance(api, dict) and isinstance(api.get(name), str):
            api[name] = str(base / api[name])
    url = data.get("database_url")
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        data["database_url"] = f"sqlite:///{base / url.removeprefix('sqlite:///')}"
