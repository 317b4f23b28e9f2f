"""The `[alerts]` settings section: when a state needs a person (the thresholds `docking status` and the alert
conditions share) and where alerts go (adapter/alerts/).

    [alerts]
    breaker_open_minutes = 15      # an open breaker needs a person after this long
    feed_stale_minutes = 60        # a polled feed not read successfully for this long is stale
    certificate_expiry_days = 30   # a seal or keyring certificate this close to its notAfter is an alert

    [[alerts.destinations]]
    name = "ops"                   # in logs and errors
    type = "webhook"               # Standard Webhooks, signed JSON (signing/webhooks.py)
    url = "https://ops.example/hooks/docking"
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    [[alerts.destinations]]
    name = "wecom"
    type = "wecom"                 # WeCom group robot; the key is in its URL
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"

    [[alerts.destinations]]
    name = "dingtalk"
    type = "dingtalk"              # DingTalk group robot; secret = its 加签 secret (SEC…), optional
    url = "https://oapi.dingtalk.com/robot/send?access_token=…"
    secret = "SEC…"

    [[alerts.destinations]]
    name = "feishu"
    type = "feishu"                # Feishu / Lark custom bot; secret = its signature secret, optional
    url = "https://open.feishu.cn/open-apis/bot/v2/hook/…"
    secret = "…"

    [[alerts.destinations]]
    name = "mail"
    type = "smtp"
    host = "smtp.example.cn"
    port = 465
    security = "ssl"               # ssl | starttls | none
    username = "docking@example.cn"
    password = "…"                 # a secret: keep the file readable by the service user only, or give the
    sender = "docking@example.cn"  # whole list as JSON in DOCKING_ALERTS__DESTINATIONS
    to = ["ops@example.cn"]

No destination: conditions and alerts are still recorded (`docking status` shows the open ones), nothing is sent
(each alert counts as delivered to none: scheduler/alerts.py).
"""

import base64
import binascii
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class _Destination(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")


class _Url(_Destination):
    url: str = Field(pattern=r"^https?://[^\s]+$")
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)


class WebhookDestination(_Url):
    """A generic receiver: the alert's JSON document, signed with the Standard Webhooks profile."""

    type: Literal["webhook"]
    secret: SecretStr

    @field_validator("secret")
    @classmethod
    def _whsec(cls, secret: SecretStr) -> SecretStr:
        text = secret.get_secret_value()
        try:
            if not text.startswith("whsec_") or not base64.b64decode(text.removeprefix("whsec_"), validate=True):
                raise ValueError
        except (binascii.Error, ValueError):
            raise ValueError("a webhook secret is whsec_ followed by base64 (Standard Webhooks)") from None
        return secret


class WeComDestination(_Url):
    """A WeCom (企业微信) group robot: markdown message; authenticated by the key in its URL."""

    type: Literal["wecom"]


class DingTalkDestination(_Url):
    """A DingTalk (钉钉) group robot: markdown message; `secret` (加签, SEC…) signs timestamp + sign query values."""

    type: Literal["dingtalk"]
    secret: SecretStr | None = None


class FeishuDestination(_Url):
    """A Feishu / Lark (飞书) custom bot: text message; `secret` signs the timestamp + sign body fields."""

    type: Literal["feishu"]
    secret: SecretStr | None = None


class SmtpDestination(_Destination):
    """Mail through an SMTP server (smtplib)."""

    type: Literal["smtp"]
    host: str = Field(min_length=1)
    port: int = Field(default=465, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(min_length=1)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _login_pair(self) -> "SmtpDestination":
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


Destination = Annotated[
    WebhookDestination | WeComDestination | DingTalkDestination | FeishuDestination | SmtpDestination,
    Field(discriminator="type"),
]


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    breaker_open_minutes: float = Field(default=15.0, ge=0)
    feed_stale_minutes: float = Field(default=60.0, gt=0)
    certificate_expiry_days: float = Field(default=30.0, ge=0, le=365)
    destinations: list[Destination] = []
    # delivery, as [events]: the outbox's retry schedule (adapter/platforms/retry.py)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=1800.0, gt=0)
    give_up_after_hours: float = Field(default=24.0, gt=0)
    deliver_seconds: float = Field(default=5.0, gt=0)
    evaluate_seconds: float = Field(default=60.0, gt=0)  # how often conditions without a cause event are looked at

    @field_validator("destinations")
    @classmethod
    def _unique_names(cls, destinations: list[Destination]) -> list[Destination]:
        names = [d.name for d in destinations]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"destination names must be unique: {', '.join(twice)} given twice")
        return destinations
