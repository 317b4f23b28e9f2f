"""Every standalone `docking sandbox …` partner refuses a bad option naming it (the option, or the value it does
not know), with no traceback: the shared options (cli/sandbox_serve.py: --fault, --push-to) and each one's own."""

from pathlib import Path

import pytest

from tests.support.cli import docking

pytestmark = pytest.mark.integration

KEYED = ("--keys", "{tmp}", "--centre-key", "c=missing.pub")  # the partners that sign take the centre's keys
CASES = [
    ("institution", KEYED, ("--kind", "bank"), "kind 'bank'"),
    ("institution", KEYED, ("--fault", "sulks"), "sulks"),
    ("institution", KEYED, ("--profile", "rsa"), "--profile"),
    ("traffic", KEYED, ("--fault", "sulks"), "sulks"),
    ("traffic", KEYED, ("--profile", "rsa"), "--profile"),
    ("traffic", KEYED, ("--timestamp-format", "rfc822"), "--timestamp-format"),
    ("traffic", KEYED, ("--push-to", "http://127.0.0.1:1"), "--push-key"),
    ("arbitration", KEYED, ("--fault", "sulks"), "sulks"),
    ("arbitration", KEYED, ("--profile", "rsa"), "--profile"),
    ("arbitration", KEYED, ("--case-no-format", "第号"), "{n}"),
    ("arbitration", KEYED, ("--push-to", "http://127.0.0.1:1"), "--push-key"),
    ("spc", (), ("--fault", "nope"), "faults nope are not among"),
    ("spc", (), ("--callback-to", "http://127.0.0.1:9/cb"), "--callback-to needs --callback-key"),
]


@pytest.mark.parametrize(("partner", "base", "option", "named"), CASES)
def test_bad_options_are_refused_naming_them(
    tmp_path: Path, partner: str, base: tuple[str, ...], option: tuple[str, str], named: str
) -> None:
    args = [a.format(tmp=tmp_path) for a in base]
    result = docking("sandbox", partner, "--port", "0", *args, *option)
    assert result.returncode != 0 and named in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
