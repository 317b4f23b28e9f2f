"""Alert messages for the group robots Chinese ops teams use: WeCom (企业微信), DingTalk (钉钉), Feishu / Lark (飞书).
Bodies and signatures are pure functions (tests check them against each vendor's documented algorithm); `Robot`
posts them.

WeCom group robot — https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明):
    POST the webhook URL (its `key` query value is the credential) with
    {"msgtype": "markdown", "markdown": {"content": "…"}}; content at most 4096 bytes, UTF-8.
    Answer: {"errcode": 0, "errmsg": "ok"}; 45009 is its rate limit (20 messages a minute per robot).
DingTalk custom robot — https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签) and
https://open.dingtalk.com/document/robots/custom-robot-access (message types):
    {"msgtype": "markdown", "markdown": {"title": "…", "text": "…"}}; with 加签, the URL gains
    &timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret)))>, the timestamp
    within an hour of DingTalk's clock. Answer: {"errcode": 0, "errmsg": "ok"}; 130101 is "sending too fast".
Feishu / Lark custom bot — https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (签名校验):
    {"msg_type": "text", "content": {"text": "…"}} and, with a signature secret, the body fields
    "timestamp": "<seconds>" and "sign": base64(HmacSHA256(key=timestamp + "\n" + secret, msg="")) — note the key is
    the string to sign and the message empty, unlike DingTalk. Answer: {"code": 0, "msg": "success"}; 9499 is its
    rate limit. (Older answers say StatusCode instead of code.)

A 2xx answer with a non-zero code is the robot refusing the message (a wrong key or signature: dead, replayable),
but for its rate-limit codes, which are transient like a 429 or a 5xx.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import requests

from connectors.port import RejectedError, TransientError

WECOM_MAX_BYTES = 4096
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101}, "feishu": {9499, 11232}}


def wecom_body(document: dict[str, Any]) -> dict[str, Any]:
    content = _cut(document["text"], WECOM_MAX_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HmacSHA256(key=secret, msg="<timestamp>\\n<secret>")), before URL encoding."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(url: str, secret: str | None, at: datetime) -> str:
    if not secret:
        return url
    timestamp = int(at.timestamp() * 1000)
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={quote_plus(dingtalk_sign(secret, timestamp))}"


def dingtalk_body(document: dict[str, Any]) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": document["title"], "text": document["text"]}}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HmacSHA256(key="<timestamp>\\n<secret>", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_body(document: dict[str, Any], secret: str | None, at: datetime) -> dict[str, Any]:
    text = document["text"].replace("**", "")  # a text message: no markdown
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if secret:
        timestamp = int(at.timestamp())
        body = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **body}
    return body


class Robot:
    """One group robot destination: `kind` wecom | dingtalk | feishu."""

    def __init__(
        self,
        name: str,
        kind: str,
        url: str,
        secret: str | None = None,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if kind not in RATE_LIMITED:
            raise ValueError(f"unknown robot kind {kind!r}")
        self.name, self.kind, self._url, self._secret, self._timeout = name, kind, url, secret, timeout
        self._session, self._clock = session or requests.Session(), clock

    def __repr__(self) -> str:  # the URL holds the robot's key: never in a log line
        return f"Robot({self.name!r}, {self.kind})"

    def send(self, alert_id: str, document: dict[str, Any]) -> None:
        at = self._clock()
        url = self._url
        if self.kind == "wecom":
            body = wecom_body(document)
        elif self.kind == "dingtalk":
            body, url = dingtalk_body(document), dingtalk_url(url, self._secret, at)
        else:
            body = feishu_body(document, self._secret, at)
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            answer = self._session.post(
                url, data=data, headers={"content-type": "application/json"}, timeout=(3.05, self._timeout)
            )
        except requests.Timeout as exc:
            raise TransientError(self.name, "timed out", cause="timeout") from exc
        except requests.RequestException as exc:
            raise TransientError(self.name, type(exc).__name__, cause="unreachable") from exc
        status = answer.status_code
        if status >= 500 or status in (408, 429):
            raise TransientError(self.name, f"HTTP {status}", cause="http")
        if not 200 <= status < 300:
            raise RejectedError(self.name, str(status), f"HTTP {status}")
        code, message = _code(answer)
        if code in RATE_LIMITED[self.kind]:
            raise TransientError(self.name, f"rate limited ({code}: {message})", cause="http")
        if code:
            raise RejectedError(self.name, str(code), f"the robot refused the message: {message}")


def _code(answer: requests.Response) -> tuple[int, str]:
    try:
        said = answer.json()
    except ValueError:
        return 0, ""  # an answer without a code: 2xx is all the robot promises
    if not isinstance(said, dict):
        return 0, ""
    code = said.get("errcode", said.get("code", said.get("StatusCode", 0)))
    message = said.get("errmsg", said.get("msg", said.get("StatusMessage", "")))
    return (int(code) if isinstance(code, int | str) and str(code).lstrip("-").isdigit() else 0), str(message)[:200]


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary."""
    raw = text.encode()
    return text if len(raw) <= limit else raw[: limit - 3].decode(errors="ignore") + "…"
