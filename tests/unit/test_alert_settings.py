"""The [alerts] settings: each destination type's keys validated, errors naming the key, secrets never echoed."""

from pathlib import Path

import pytest

from adapter.config.settings import load_settings
from adapter.errors import ConfigError

GOOD = {
    "webhook": 'url = "https://ops.example/hook"\nsecret = "whsec_c2VjcmV0LXNlY3JldA=="',
    "wecom": 'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"',
    "dingtalk": 'url = "https://oapi.dingtalk.com/robot/send?access_token=t"\nsecret = "SECabc"',
    "feishu": 'url = "https://open.feishu.cn/open-apis/bot/v2/hook/x"\nsecret = "s"',
    "smtp": 'host = "smtp.example.cn"\nsender = "d@example.cn"\nto = ["ops@example.cn"]',
}


def _load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "docking.toml"
    path.write_text(f'database_url = "sqlite:///x.db"\n[[alerts.destinations]]\nname = "ops"\n{body}\n')
    return load_settings(path)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_destination_type_is_accepted(tmp_path: Path, kind: str) -> None:
    """A minimal, complete destination of each type loads."""
    settings = _load(tmp_path, f'type = "{kind}"\n{GOOD[kind]}')
    assert [d.type for d in settings.alerts.destinations] == [kind]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('type = "webhook"\nurl = "https://ops.example/hook"\nsecret = "not-whsec-TOPSECRET"', "secret"),
        ('type = "wecom"\nurl = "ftp://x"', "url"),
        ('type = "smtp"\nhost = "h"\nsender = "d@example.cn"\nto = []', "to"),
        ('type = "smtp"\nhost = "h"\nsender = "d@example.cn"\nto = ["o@example.cn"]\nusername = "u"', "password"),
        ('type = "pager"\nurl = "https://x"', "type"),
        ('type = "feishu"\nurl = "https://x"\nsecrett = "s"', "secrett"),
    ],
)
def test_a_bad_destination_is_refused_naming_the_key(tmp_path: Path, body: str, named: str) -> None:
    """ConfigError naming alerts.destinations and the key; a rejected secret's value is not repeated."""
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, body)
    message = str(caught.value)
    assert "alerts" in message and named in message and "TOPSECRET" not in message
