"""`[partners.<name>.form]` (adapter/config/spc_form.py) and the spc_form connector built from it
(scheduler/spc_form.py): the secrets come from the environment, named when missing, never shown."""

import logging
from pathlib import Path

import pytest

from adapter.config.partners import PartnerSettings
from adapter.config.settings import load_settings
from adapter.errors import InvalidRequest
from scheduler.spc_form import build_spc_form

# PlatformSettings requires a [signing] table; the web form signs nothing (its login is the session), so it is unused.
SIGNING = {"profile": "jws-detached", "keyring": "keys", "court_keys": {"spc": "spc.pub"}}
BASE = {"kind": "roster", "transport": "spc_form", "base_url": "https://tiaojie.example", "signing": SIGNING}


def test_built_from_the_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPC_PW", "s3cret-pw")
    config = PartnerSettings.model_validate({**BASE, "form": {"username": "centre", "password_env": "SPC_PW"}})
    port = build_spc_form("spc", config)
    assert port.name == "spc" and port.transport == "spc_form" and "s3cret" not in repr(port)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({**BASE}, "needs a [form] table"),
        ({**BASE, "transport": "rest", "form": {"username": "c", "password_env": "X"}}, "only it has one"),
        ({**BASE, "form": {"username": "c", "password_env": "lower-case"}}, "environment variable"),
        ({**BASE, "form": {"username": "c", "password_env": "X", "password": "inline"}}, "Extra inputs"),
    ],
)
def test_refused_settings_name_the_problem(settings: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("[", r"\[").replace("]", r"\]")):
        PartnerSettings.model_validate(settings)


def test_a_missing_secret_is_named_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPC_PW_UNSET", raising=False)
    config = PartnerSettings.model_validate({**BASE, "form": {"username": "c", "password_env": "SPC_PW_UNSET"}})
    with pytest.raises(InvalidRequest, match="SPC_PW_UNSET"):
        build_spc_form("spc", config)


SPC_FILE = """
[partners.spc]
kind = "roster"
transport = "spc_form"
base_url = "https://tiaojie.example"
[partners.spc.form]
username = "centre"
password_env = "DOCKING_SPC_PASSWORD"
callback_key_env = "DOCKING_SPC_CALLBACK_KEY"
[partners.spc.signing]
profile = "hmac-appkey"
app_key = "centre"
app_secret = "s1"
court_app_key = "spc"
court_app_secret = "s2"
"""


@pytest.mark.parametrize(("variable", "warned"), [("DOCKING_SPC_PASSWORD", False), ("DOCKING_SPC_CALLBACK_KEY", False),
                                                  ("DOCKING_SPC_PASWORD", True)])  # fmt: skip
def test_the_forms_secret_variables_are_settings_the_environment_check_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str, warned: bool
) -> None:
    path = tmp_path / "docking.toml"
    path.write_text(SPC_FILE)
    monkeypatch.setenv(variable, "x")
    with caplog.at_level(logging.WARNING, logger="docking.settings"):
        load_settings(path)
    assert any(variable in r.getMessage() for r in caplog.records) is warned
