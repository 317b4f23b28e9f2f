"""`docking sandbox spc` as an integrator starts it: the platform answers the spc_form connector with the account
and callback key given, certifies on its own pace, and bad options are refused naming them."""

import re
import subprocess
import sys
import time

import pytest

from connectors.port import CredentialsRefused
from connectors.spc_form import SpcForm
from tests.support import spc_samples as s
from tests.support.cli import docking

pytestmark = pytest.mark.integration


def test_the_standalone_platform_answers_the_connector() -> None:
    command = [sys.executable, "-m", "cli", "sandbox", "spc", "--port", "0", "--certify-after", "0.2"]
    command += ["--password", "pw-for-test", "--callback-secret", "k-for-test"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        found = None
        for _ in range(20):
            found = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
            if found:
                break
        assert found, "the platform did not print its URL"
        spc = SpcForm("spc", found.group(0), "centre", "pw-for-test", callback_key="k-for-test", timeout=(2, 5))
        assert spc.send(s.org()).partner_ref
        events = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not events:
            time.sleep(0.1)
            events = [spc.decode(item).type for item in spc.fetch("0", 10).items]
        assert events == ["roster.certified"]  # signed with the key given, verified by the connector
        with pytest.raises(CredentialsRefused):
            SpcForm("spc", found.group(0), "centre", "sandbox-password").send(s.org())  # the default is not it
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--fault", "nope"), "faults nope are not among"),
        (("--callback-to", "http://127.0.0.1:9/cb"), "--callback-to needs --callback-key"),
    ],
)
def test_bad_options_are_named(args: tuple[str, ...], says: str) -> None:
    result = docking("sandbox", "spc", "--port", "0", *args)
    assert result.returncode != 0 and says in result.stdout + result.stderr
