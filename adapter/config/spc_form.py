"""`[partners.<name>.form]`: the SPC platform's web-form login (transport "spc_form", partners.md §4): the centre's
account name, and the names of the environment variables holding its password and the callback key — secrets are
never written in the settings file, nor logged.

    [partners.spc]
    kind = "roster"
    transport = "spc_form"
    base_url = "https://tiaojie.court.gov.cn"
    mode = "poll"                                  # poll: read the roster listing; push: the platform calls back
    [partners.spc.form]
    username = "gd-jrtj-centre"
    password_env = "DOCKING_SPC_PASSWORD"
    callback_key_env = "DOCKING_SPC_CALLBACK_KEY"  # the X-Spc-Signature HMAC key, when it calls back
"""

import os
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


class SpcFormSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, max_length=100)
    password_env: str = Field(min_length=1, max_length=100)
    callback_key_env: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("password_env", "callback_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(f"must name an environment variable (A-Z, 0-9, _), not {value!r}")
        return value

    def password(self) -> str:
        """The password from its environment variable; ValueError naming the variable (never its value) if unset."""
        return _secret(self.password_env)

    def callback_key(self) -> str | None:
        return None if self.callback_key_env is None else _secret(self.callback_key_env)


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ValueError(f"environment variable {name} (the SPC platform's secret) is not set")
    return value
