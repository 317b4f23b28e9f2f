"""`docking sandbox spc` as an integrator starts it: the platform answers the spc_form connector with the account
and callback key given, certifies on its own pace (bad options: test_sandbox_cli_options.py)."""

import time

import pytest

from connectors.port import CredentialsRefused
from connectors.spc_form import SpcForm
from tests.support import spc_samples as s
from tests.support.cli import printed_urls, served

pytestmark = pytest.mark.integration


def test_the_standalone_platform_answers_the_connector() -> None:
    with served(
        *("sandbox", "spc", "--port", "0", "--certify-after", "0.2"),
        *("--password", "pw-for-test", "--callback-secret", "k-for-test"),
    ) as process:
        (url,) = printed_urls(process, lines=20)
        spc = SpcForm("spc", url, "centre", "pw-for-test", callback_key="k-for-test", timeout=(2, 5))
        assert spc.send(s.org()).partner_ref
        events = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not events:
            time.sleep(0.1)
            events = [spc.decode(item).type for item in spc.fetch("0", 10).items]
        assert events == ["roster.certified"]  # signed with the key given, verified by the connector
        with pytest.raises(CredentialsRefused):
            SpcForm("spc", url, "centre", "sandbox-password").send(s.org())  # the default is not it
