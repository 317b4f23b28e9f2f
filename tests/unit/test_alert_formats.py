"""The group robots' bodies and signatures, each checked against its vendor's documented algorithm (the sources are
cited in connectors/alert_robots.py), and one known answer published for DingTalk's."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest

from connectors.alert_robots import (
    WECOM_MAX_BYTES,
    dingtalk_body,
    dingtalk_sign,
    dingtalk_url,
    feishu_body,
    feishu_sign,
    wecom_body,
)

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DOC: dict[str, Any] = {
    "id": "alt_1",
    "title": "court: circuit breaker OPEN, the court keeps failing",
    "text": "**court: circuit breaker OPEN**\n> breaker · court · OPENED\n> 2026-11-30 16:00:00 CST",
}


def _documented_dingtalk(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HmacSHA256 keyed by the secret over "timestamp\\nsecret", Base64, then URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    return quote_plus(base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()))


def _documented_feishu(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: HmacSHA256 keyed by "timestamp\\nsecret" over an empty message, Base64."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    ("secret", "timestamp", "expected"),
    [
        # the known answer in the `dingding` crate's tests (docs.rs: dingding 0.1.1 src/signature.rs)
        ("secret", 1700000000000, "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"),
        ("SEC0123456789abcdef", 1764489600000, _documented_dingtalk("SEC0123456789abcdef", 1764489600000)),
        ("密钥", 1, _documented_dingtalk("密钥", 1)),
    ],
)
def test_dingtalk_signature_follows_its_documented_algorithm(secret: str, timestamp: int, expected: str) -> None:
    """The sign query value is the URL-encoded Base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    assert quote_plus(dingtalk_sign(secret, timestamp)) == expected


@pytest.mark.parametrize(("secret", "timestamp"), [("secret", 1700000000), ("abc密钥", 1764489600), ("", 0)])
def test_feishu_signature_follows_its_documented_algorithm(secret: str, timestamp: int) -> None:
    """Keyed by the string to sign, over nothing: the reverse of DingTalk's arrangement."""
    assert feishu_sign(secret, timestamp) == _documented_feishu(secret, timestamp)
    assert (
        feishu_sign(secret, timestamp)
        != base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
    )


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: wecom_body(DOC), {"msgtype": "markdown", "markdown": {"content": DOC["text"]}}),
        (
            lambda: dingtalk_body(DOC),
            {"msgtype": "markdown", "markdown": {"title": DOC["title"], "text": DOC["text"]}},
        ),
        (
            lambda: feishu_body(DOC, None, AT),
            {"msg_type": "text", "content": {"text": DOC["text"].replace("**", "")}},
        ),
        (
            lambda: feishu_body(DOC, "s3cret", AT),
            {
                "timestamp": str(int(AT.timestamp())),
                "sign": _documented_feishu("s3cret", int(AT.timestamp())),
                "msg_type": "text",
                "content": {"text": DOC["text"].replace("**", "")},
            },
        ),
    ],
    ids=["wecom", "dingtalk", "feishu-unsigned", "feishu-signed"],
)
def test_each_robot_body_has_its_documented_shape(build: Any, expected: dict[str, Any]) -> None:
    """The message type and fields each vendor documents, and nothing else."""
    assert build() == expected


@pytest.mark.parametrize(
    ("url", "joiner"),
    [
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", "&"),
        ("http://127.0.0.1:9/robot/send", "?"),
    ],
)
def test_dingtalk_url_gains_timestamp_and_sign_query_values(url: str, joiner: str) -> None:
    """With a secret: &timestamp=<ms>&sign=<encoded>; without one the URL is unchanged."""
    signed = dingtalk_url(url, "SECx", AT)
    ms = int(AT.timestamp() * 1000)
    assert signed == f"{url}{joiner}timestamp={ms}&sign={_documented_dingtalk('SECx', ms)}"
    query = parse_qs(urlsplit(signed).query)
    assert query["timestamp"] == [str(ms)] and query["sign"] == [dingtalk_sign("SECx", ms)]
    assert dingtalk_url(url, None, AT) == url


def test_a_wecom_markdown_longer_than_its_limit_is_cut_at_a_character() -> None:
    """WeCom takes at most 4096 bytes of content: a long Chinese text is cut whole-character, marked with …"""
    body = wecom_body({**DOC, "text": "调解" * 3000})
    content = body["markdown"]["content"]
    assert len(content.encode()) <= WECOM_MAX_BYTES and content.endswith("…") and content.startswith("调解")
