"""`[partners.<name>]` in the settings: the court's connection fields, kind, transport, mode pull|push, and the
kind's rules checked when the file loads — a wrong rule is a ConfigError naming the file, the table and the field."""

from pathlib import Path

import pytest

from adapter.config.partners import partner_rules
from adapter.config.settings import load_settings
from adapter.errors import ConfigError
from adapter.partners.specs import SPECS
from schemas.partner import PartnerKind
from tests.support.toy_partner import ToyRules, toy_spec  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("toy_spec")

SIGNING = """
[partners.{name}.signing]
profile = "hmac-appkey"
app_key = "centre"
app_secret = "s3cret-centre"
court_app_key = "{name}"
court_app_secret = "s3cret-partner"
"""


def _file(tmp_path: Path, body: str, name: str = "gd-traffic") -> Path:
    path = tmp_path / "docking.toml"
    path.write_text(
        f'[partners.{name}]\nkind = "traffic"\nbase_url = "http://127.0.0.1:9/api"\n{body}\n'
        + SIGNING.format(name=name)
    )
    return path


def test_a_partner_loads_with_its_kind_mode_and_rules(tmp_path: Path) -> None:
    body = 'mode = "pull"\ntransport = "fake"\n[partners.gd-traffic.rules]\nanswer_days = 5\n'
    settings = load_settings(_file(tmp_path, body))
    config = settings.partners["gd-traffic"]
    assert (config.kind.value, config.mode, config.transport) == ("traffic", "poll", "fake")
    assert partner_rules("gd-traffic", config) == ToyRules(answer_days=5)
    assert partner_rules("gd-traffic", load_settings(_file(tmp_path, "")).partners["gd-traffic"]) == ToyRules()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[partners.gd-traffic.rules]\nanswer_days = 99\n", ["[partners.gd-traffic.rules] answer_days", "30"]),
        ('[partners.gd-traffic.rules]\ncap = "lots"\n', ["[partners.gd-traffic.rules] cap", "decimal"]),
        ('transport = "carrier-pigeon"\n', ["transport"]),
        ('mode = "sideways"\n', ["mode"]),
    ],
)
def test_a_wrong_partner_setting_names_the_file_the_table_and_the_field(
    tmp_path: Path, body: str, words: list[str]
) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    message = str(refused.value)
    assert str(path) in message and all(w in message for w in words), message


def test_a_partner_kind_missing_from_this_build_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(SPECS, PartnerKind.ARBITRATION)  # a build without that kind's package
    path = _file(tmp_path, "").read_text().replace('kind = "traffic"', 'kind = "arbitration"')
    (tmp_path / "docking.toml").write_text(path)
    with pytest.raises(ConfigError) as refused:
        load_settings(tmp_path / "docking.toml")
    assert "[partners.gd-traffic] kind arbitration: unknown partner kind" in str(refused.value)
