"""Configuration: one typed object built once at start-up from a TOML file and DOCKING_* environment variables.

Environment wins over the file (DOCKING_DATABASE_URL, DOCKING_PLATFORMS__<NAME>__BASE_URL, …), so secrets and
per-host values need not sit in the file. Nothing here is read at import time.
"""

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from adapter.errors import ConfigError
from schemas.validation import summarize


class PlatformSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transport: Literal["rest"] = "rest"
    base_url: str
    signing_key_file: Path  # our Ed25519 private key (PKCS#8 PEM) for this platform
    signing_key_id: str = Field(min_length=1)
    court_public_keys: dict[str, Path] = Field(min_length=1)  # the court's key ids → public key files
    poll_seconds: float = Field(default=10.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKING_", env_nested_delimiter="__", extra="forbid")

    database_url: str = "sqlite:///docking-data/docking.db"
    deliver_seconds: float = Field(default=2.0, gt=0)
    deliver_batch: int = Field(default=50, ge=1, le=1000)
    platforms: dict[str, PlatformSettings] = {}

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
    """Settings from `path` (or defaults and environment only); ConfigError naming the file and field."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        _resolve_paths(data, path.parent)
    try:
        return Settings(**data)
    except ValidationError as exc:
        where = f"config file {path}" if path else "configuration"
        raise ConfigError(f"{where} is not valid: {summarize(exc, limit=8)}") from None


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    """Key file paths in a config file are relative to that file, not to wherever the process started."""
    for platform in (data.get("platforms") or {}).values():
        if not isinstance(platform, dict):
            continue
        if isinstance(platform.get("signing_key_file"), str):
            platform["signing_key_file"] = str(base / platform["signing_key_file"])
        keys = platform.get("court_public_keys")
        if isinstance(keys, dict):
            platform["court_public_keys"] = {k: str(base / v) if isinstance(v, str) else v for k, v in keys.items()}
    url = data.get("database_url")
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        data["database_url"] = f"sqlite:///{base / url.removeprefix('sqlite:///')}"
