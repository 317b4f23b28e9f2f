"""The `[events]` settings section: where and how events are pushed to the centre (adapter/events/).

    [events]
    urls = ["https://centre.example/hooks/docking"]
    secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]   # Standard Webhooks: whsec_ + base64; several while rotating

No URL: events are still stored and served by GET /api/centre/v1/events, and nothing is pushed.
"""

from pydantic import BaseModel, Field, SecretStr, field_validator


class EventSettings(BaseModel):
    urls: list[str] = []  # every event goes to each
    secrets: list[SecretStr] = []  # whsec_<base64>; every one signs (a rotation lists the new one beside the old)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    give_up_after_hours: float = Field(default=24.0, gt=0)
    deliver_seconds: float = Field(default=2.0, gt=0)
    batch: int = Field(default=50, ge=1, le=1000)

    @field_validator("secrets")
    @classmethod
    def _whsec(cls, secrets: list[SecretStr]) -> list[SecretStr]:
        import base64
        import binascii

        for secret in secrets:
            text = secret.get_secret_value()
            if not text.startswith("whsec_"):
                raise ValueError("a webhook secret is whsec_ followed by base64 (Standard Webhooks)")
            try:
                if not base64.b64decode(text.removeprefix("whsec_"), validate=True):
                    raise ValueError("a webhook secret must not be empty")
            except binascii.Error:
                raise ValueError("a webhook secret is whsec_ followed by base64 (Standard Webhooks)") from None
        return secrets
