"""`docking sign DOC --seal` and `docking verify DOC --trust ROOT`: sealed, checked, and a changed byte refused."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.seal.certificates import pem
from signing.keyfiles import private_pem, write_secret
from tests.support import seal as support
from tests.support.cli import docking

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", [*support.KINDS, "sm2"])
def test_docking_seals_a_pdf_and_verifies_it_against_the_root(tmp_path: Path, kind: str) -> None:
    now = datetime.now(UTC)
    sealer = support.sm2_sealer(now) if kind == "sm2" else support.sealer(kind, now)
    write_secret(tmp_path / "seal.key", private_pem(sealer.key))
    (tmp_path / "chain.pem").write_bytes(pem(sealer.chain[0]))
    document = tmp_path / "agreement.pdf"
    document.write_bytes(support.PDF)
    seal = ["--key-file", str(tmp_path / "seal.key"), "--chain", str(tmp_path / "chain.pem")]
    made = docking("sign", str(document), "--seal", *seal, "--visible")
    assert made.returncode == 0, made.stderr
    assert document.read_bytes() == support.PDF  # the parties' original is never overwritten
    target = tmp_path / ("agreement.pdf.p7s" if kind == "sm2" else "agreement.sealed.pdf")
    checked = document if kind == "sm2" else target
    if kind != "sm2":
        assert support.pdfsig_valid(support.pdfsig(target.read_bytes()))
    ok = docking("verify", str(checked), "--trust", str(tmp_path / "chain.pem"), "--format", "json")
    assert ok.returncode == 0 and '"ok": true' in ok.stdout, ok.stdout + ok.stderr
    checked.write_bytes(support.tampered(checked.read_bytes()))
    refused = docking("verify", str(checked), "--trust", str(tmp_path / "chain.pem"))
    assert refused.returncode == 1 and "NOT VERIFIED" in refused.stdout, refused.stdout + refused.stderr
    again = docking("sign", str(document), "--seal", *seal)
    assert again.returncode == 2 and "already exists" in again.stderr  # a sealed copy is never overwritten


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--seal", "--key-file", "seal.key"], "--chain"),
        (["--seal", "--chain", "chain.pem"], "--key-file"),
        (["--case-id", "MC-1"], "--keyring"),
    ],
    ids=["seal without chain", "seal without key", "attestation without keyring"],
)
def test_missing_options_are_named(tmp_path: Path, args: list[str], named: str) -> None:
    (tmp_path / "agreement.pdf").write_bytes(support.PDF)
    refused = docking("sign", "agreement.pdf", *args, cwd=tmp_path)
    assert refused.returncode == 2 and named in refused.stderr, refused.stderr


def test_a_document_that_is_not_a_pdf_is_refused_naming_it(tmp_path: Path) -> None:
    sealer = support.sealer("ec-p256", datetime.now(UTC))
    write_secret(tmp_path / "seal.key", private_pem(sealer.key))
    (tmp_path / "chain.pem").write_bytes(pem(sealer.chain[0]))
    (tmp_path / "notes.txt").write_text("not a pdf")
    refused = docking("sign", "notes.txt", "--seal", "--key-file", "seal.key", "--chain", "chain.pem", cwd=tmp_path)
    assert refused.returncode == 2 and "not a PDF" in refused.stderr, refused.stderr
