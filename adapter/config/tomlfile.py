"""Reading an operator's TOML file (the configuration, the holiday file): every failure a ConfigError naming it."""

import tomllib
from pathlib import Path
from typing import Any

from adapter.errors import ConfigError


def read_toml(path: Path, what: str, *, missing_hint: str = "") -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist{missing_hint}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None
