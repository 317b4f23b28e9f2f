"""`[seal]`: the centre's e-seal (电子印章) on the agreement PDF (adapter/seal/pades.py).

    [seal]
    enabled = true
    key_file = "/etc/docking/seal/seal.key"        # PKCS#8 PEM (RSA or EC P-256) …
    # keyring = "/etc/docking/seal/keyring"        # … or a keyring (adapter/keys/keyring.py): its active key
    passphrase_env = "DOCKING_SEAL_PASSPHRASE"     # the variable holding the key's passphrase (never logged)
    certificate_chain = "/etc/docking/seal/chain.pem"  # the seal's certificate first, then its CA(s);
                                                   # with a keyring, default <keyring>/<active key id>.crt
    visible = false                                # a visible seal box on the first page
    reason = "调解组织电子印章"
    location = "…"

The key and the chain are checked when the sealer is built (adapter/seal/sealer.py): the first certificate must be
the key's, and valid now; a mismatch is refused naming `seal.certificate_chain`.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SealSettings(BaseModel):
    """`enabled`: seal each submitted agreement (off by default: the parties' signed PDF travels as it is).
    Exactly one of `key_file` / `keyring` when enabled, and `certificate_chain` — which for a keyring defaults to
    `<keyring>/<active key id>.crt`, where `docking keys cert` writes the seal's certificate."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    key_file: Path | None = None
    keyring: Path | None = None
    passphrase_env: str | None = None
    certificate_chain: Path | None = None
    visible: bool = False
    reason: str = Field(default="调解组织电子印章 (mediation centre e-seal)", max_length=200)
    location: str = Field(default="", max_length=200)
    field_name: str = Field(default="CentreSeal", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

    @model_validator(mode="after")
    def _complete(self) -> "SealSettings":
        if not self.enabled:
            return self
        if (self.key_file is None) == (self.keyring is None):
            raise ValueError("[seal] enabled: give exactly one of key_file (a PEM file) or keyring (a folder)")
        if self.certificate_chain is None and self.keyring is None:
            raise ValueError("[seal] enabled: certificate_chain (PEM, the seal's certificate first) is required")
        return self
