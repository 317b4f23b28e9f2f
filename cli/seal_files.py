"""`docking sign DOC --seal` and `docking verify DOC --trust ROOT`: the centre's e-seal on a file, and its check.

Thin wrappers over adapter/seal/ (pyHanko and signing/cms.py are imported only here, when a seal is asked for):
an RSA or EC P-256 key writes DOC sealed in the PDF (PAdES B-B, ETSI EN 319 142-1), beside the original; an SM2
key writes a detached CMS (GB/T 35275) beside DOC, as `DOC.p7s`. The check reads a `.p7s` beside DOC when there is
one (SM2 CMS), else the PDF's last signature (pyHanko's validator), against the given trust roots.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from adapter.errors import InvalidRequest
from cli.output import Format, console, print_object, render, render_record


def seal_file(
    document: Path,
    *,
    key_file: Path | None,
    keyring: Path | None,
    chain: Path | None,
    passphrase_env: str | None,
    visible: bool,
    reason: str | None,
    location: str | None,
    out: Path | None,
    now: datetime,
) -> None:
    """Seal `document` with the key and chain given; write the sealed PDF (or, SM2, the CMS) to `out`, default
    `<stem>.sealed.pdf` (or `<name>.p7s`) beside it: the parties' original is never overwritten."""
    from adapter.seal.sealer import Sealer
    from adapter.seal.settings import SealSettings

    if chain is None:
        raise typer.BadParameter("a seal needs its certificate chain (PEM, its own first)", param_hint="--chain")
    if (key_file is None) == (keyring is None):
        raise typer.BadParameter("give the seal's key: --key-file PEM or --keyring DIR (one)", param_hint="--key-file")
    settings = SealSettings(
        enabled=True,
        key_file=key_file,
        keyring=keyring,
        passphrase_env=passphrase_env,
        certificate_chain=chain,
        visible=visible,
        **({"reason": reason} if reason is not None else {}),
        location=location or "",
    )
    sealer = Sealer.from_settings(settings, now)
    assert sealer is not None
    sealed = sealer.seal(_read(document), now)
    if sealed.cms is not None:
        target = out or document.with_name(document.name + ".p7s")
        _write(target, sealed.cms)
        console.print(f"SM2 seal (detached CMS, SM2 with SM3) over {document.name}: {target}", highlight=False)
        return
    target = out or document.with_name(f"{document.stem}.sealed.pdf")
    _write(target, sealed.document)
    console.print(f"sealed {document.name} (PAdES B-B, SHA-256, {len(sealer.chain)} certificate(s)): {target}")


def verify_file(document: Path, trust: list[Path], signature: Path | None, fmt: Format) -> None:
    """Check the seal on `document` (module doc) against the certificates in the `trust` PEM files; exit 1 when the
    seal is not intact, not valid, does not cover the whole file, or does not chain to a trusted root."""
    from adapter.seal.pades import load_chain, verify_pdf
    from signing.cms import CmsInvalid, verify_detached

    roots = [cert for path in trust for cert in load_chain(_read(path), str(path))]
    content = _read(document)
    cms_path = signature or document.with_name(document.name + ".p7s")
    if cms_path.suffix == ".p7s" and cms_path.exists():
        try:
            signer = verify_detached(content, _read(cms_path), roots)
        except CmsInvalid as exc:
            _report({"document": document.name, "seal": cms_path.name, "ok": False, "reason": str(exc)}, fmt)
            raise typer.Exit(1) from None
        when = signer.signing_time
        row: dict[str, Any] = {"document": document.name, "seal": cms_path.name, "signer": signer.subject}
        row["signed_at"] = when
        _report({**row, "algorithm": signer.signature_algorithm, "ok": True}, fmt)
        return
    check = verify_pdf(content, roots)
    row = {
        "document": document.name,
        "field": check.field_name,
        "signer": check.signer,
        "signed_at": check.signed_at,
        "intact": check.intact,
        "valid": check.valid,
        "whole_file": check.whole_file,
        "trusted": check.trusted,
        "ok": check.ok,
        "pyhanko": check.summary,
    }
    _report(row, fmt)
    if not check.ok:
        raise typer.Exit(1)


def _report(row: dict[str, Any], fmt: Format) -> None:
    if fmt is Format.table:
        render_record(row, "seal " + ("VERIFIED" if row["ok"] else "NOT VERIFIED"))
    elif fmt is Format.json:
        print_object(row)
    else:
        render([row], list(row), fmt)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror}") from None


def _write(path: Path, data: bytes) -> None:
    try:
        with path.open("xb") as handle:  # never over an existing file (a sealed copy already made, the original)
            handle.write(data)
    except FileExistsError:
        raise typer.BadParameter(
            f"{path} already exists; move it away or give another --out", param_hint="--out"
        ) from None
    except OSError as exc:
        raise InvalidRequest(f"cannot write {path}: {exc.strerror}") from None
