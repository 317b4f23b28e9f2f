"""`[audit]`: the tamper-evident audit log's settings (adapter/audit/)."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditSettings(BaseModel):
    """`enabled`: append entries (on by default; off only to measure its cost, bench/delivery.py).
    `hash`: sha256, or sm3 where a 国密 (GB/T 32905) profile is required — recorded per entry, so a chain that
    changes it stays verifiable. `keyring`: the folder of the centre's audit signing key (`docking keys generate
    --dir …`, EdDSA, ES256 or SM2); without it no checkpoint is signed. `checkpoint_seconds`: how often `docking
    run` signs a checkpoint over the entries since the last one."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    hash: Literal["sha256", "sm3"] = "sha256"
    keyring: Path | None = None
    passphrase_env: str | None = None  # the variable holding the audit key's passphrase, if it has one
    checkpoint_seconds: float = Field(default=3600, gt=0)
