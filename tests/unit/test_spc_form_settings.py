"""`[partners.<name>.form]` (adapter/config/spc_form.py) and the spc_form connector built from it
(scheduler/spc_form.py): the secrets come from the environment, named when missing, never shown."""

import pytest

from adapter.config.partners import PartnerSettings
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
