"""`docking sign` and `docking verify`: attest an agreement document, and check an attestation offline."""

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from adapter.errors import InvalidRequest
from adapter.keys import attestations as attestation
from adapter.keys.keyring import Keyring
from cli.output import Format, FormatOption, console
from cli.seal_files import seal_file, verify_file
from schemas.clock import utc_now
from signing.base import MessageVerifier, PublicKeyEntry
from signing.errors import SignatureInvalid
from signing.keyfiles import algorithm_of, load_public_key, passphrase_from, public_pem
from signing.profiles import Sm2Form, key_signer, key_verifier, profile_of
from signing.sm2 import DEFAULT_ID

_T = TypeVar("_T")
Document = Annotated[Path, typer.Argument(help="The agreement document (e.g. the signed PDF).", dir_okay=False)]


def sign(
    document: Document,
    keyring: Annotated[
        Path | None, typer.Option(help="The centre's keyring; its active key signs (or seals).", file_okay=False)
    ] = None,
    case_id: Annotated[str | None, typer.Option()] = None,
    case_number: Annotated[
        str | None, typer.Option(help="案号, or the centre's own number for a self-received case.")
    ] = None,
    party: Annotated[list[str] | None, typer.Option(help="A party's name; repeat for each party.")] = None,
    effective_at: Annotated[
        str | None, typer.Option(help="The last party's e-signature time, ISO 8601 with zone.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write it (default: DOCUMENT.sig.json).")] = None,
    passphrase_env: Annotated[str | None, typer.Option(help="Variable holding the key's passphrase.")] = None,
    seal: Annotated[
        bool,
        typer.Option(
            "--seal",
            help="Seal DOCUMENT instead (the centre's e-seal): PAdES in the PDF for RSA/EC keys, written to "
            "STEM.sealed.pdf; a detached CMS DOCUMENT.p7s for SM2. Needs --chain and --key-file or --keyring.",
        ),
    ] = False,
    key_file: Annotated[
        Path | None, typer.Option(help="With --seal: the seal's private key (PEM).", dir_okay=False)
    ] = None,
    chain: Annotated[
        Path | None,
        typer.Option(help="With --seal: the seal's certificate chain (PEM, its own first).", dir_okay=False),
    ] = None,
    visible: Annotated[bool, typer.Option(help="With --seal: a visible seal box on the first page.")] = False,
    reason: Annotated[str | None, typer.Option(help="With --seal: the signature's reason.")] = None,
    location: Annotated[str | None, typer.Option(help="With --seal: the signature's location.")] = None,
) -> None:
    """Sign an attestation of DOCUMENT: its digest (SM3 for SM2 keys, else SHA-256), case, parties, effective time;
    or, with --seal, seal it (the centre's e-seal, as `\\[seal]` does for each agreement)."""
    if seal:
        seal_file(
            document,
            key_file=key_file,
            keyring=keyring,
            chain=chain,
            passphrase_env=passphrase_env or None,
            visible=visible,
            reason=reason,
            location=location,
            out=out,
            now=utc_now(),
        )
        return
    keyring = _required(keyring, "--keyring")
    case_id, case_number = _required(case_id, "--case-id"), _required(case_number, "--case-number")
    effective_at, party = _required(effective_at, "--effective-at"), _required(party, "--party")
    try:
        when = datetime.fromisoformat(effective_at)
    except ValueError:
        raise InvalidRequest(
            f"--effective-at {effective_at!r} is not an ISO 8601 time such as 2026-11-23T10:05:00+08:00"
        ) from None
    passphrase = passphrase_from(passphrase_env or None)
    try:
        content = document.read_bytes()
        ring = Keyring.open(keyring)
        record = ring.active(utc_now())
        key = ring.private_key(record, passphrase)
    except OSError as exc:
        raise InvalidRequest(f"cannot read {document}: {exc.strerror}") from None
    profile = profile_of(record.algorithm)
    signer = key_signer(profile, key, record.key_id)
    sm2 = profile == "sm2-sm3"
    try:
        statement = attestation.attest(
            content,
            case_id=case_id,
            case_number=case_number,
            parties=tuple(party),
            effective_at=when,
            document_name=document.name,
            algorithm="sm3" if sm2 else "sha256",
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    signed = attestation.sign(statement, signer, utc_now())
    if sm2:  # a third party must know the SM2 parameters to check it (domain.md §5: agreed per counterpart)
        signed["sm2"] = {"distid": DEFAULT_ID, "signature": "der", "encoding": "base64"}
    target = out or document.with_name(document.name + ".sig.json")
    target.write_text(json.dumps(signed, ensure_ascii=False, indent=2))
    console.print(
        f"attested {document.name} ({statement.digest_algorithm} {statement.document_digest[:16]}…) "
        f"with {record.key_id}: {target}"
    )


def verify(
    document: Document,
    public_key: Annotated[
        Path | None, typer.Option(help="The centre's public key (PEM), for an attestation.", dir_okay=False)
    ] = None,
    signature: Annotated[
        Path | None, typer.Option(help="The attestation (default: DOCUMENT.sig.json), or an SM2 seal's .p7s.")
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            help="Check DOCUMENT's seal instead (PAdES in the PDF, or DOCUMENT.p7s beside it) against the root "
            "certificates in this PEM file; repeat for more.",
            dir_okay=False,
            metavar="PEM",
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Check DOCUMENT against its attestation and the centre's public key, or (--trust) its seal against the
    centre's root certificate; exit 1 if anything differs."""
    if trust:
        verify_file(document, trust, signature, fmt)
        return
    public_key = _required(public_key, "--public-key")
    source = signature or document.with_name(document.name + ".sig.json")
    try:
        content, signed = document.read_bytes(), json.loads(source.read_text(encoding="utf-8"))
        key = load_public_key(public_key)
    except OSError as exc:
        raise InvalidRequest(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValueError:
        raise InvalidRequest(f"{source} is not JSON") from None
    if not isinstance(signed, dict):
        raise InvalidRequest(f"{source} is not an attestation file")
    try:
        statement, verified = attestation.verify(content, signed, _verifier(key, signed))
    except SignatureInvalid as exc:
        console.print(f"[red]NOT VERIFIED[/red] ({exc.reason}): {exc.detail}", highlight=False)
        raise typer.Exit(1) from None
    fingerprint = hashlib.sha256(public_pem(key)).hexdigest()[:16]
    console.print(
        f"verified: {document.name} is the agreement of case {statement.case_id} ({statement.case_number}), "
        f"parties {', '.join(statement.parties)}, effective {statement.effective_at}; signed by the key "
        f"in {public_key.name} (SHA-256 of its PEM {fingerprint}…, key id {verified.key_id!r})",
        highlight=False,
    )


def _required(value: _T | None, option: str) -> _T:
    """`value`, or a usage error naming `option` (required unless sealing or checking a seal)."""
    if value is None:
        raise typer.BadParameter("required here (or --seal / --trust for the e-seal)", param_hint=option)
    return value


def _verifier(key: Any, signed: dict[str, Any]) -> MessageVerifier:
    """A verifier holding only the given key, under the key id the file names (the key, not the name, decides)."""
    key_id = attestation.signer_key_id(signed)
    algorithm = algorithm_of(key)
    entry = {key_id: PublicKeyEntry(key_id, key, algorithm)}
    params = signed.get("sm2") if isinstance(signed.get("sm2"), dict) else {}
    assert isinstance(params, dict)
    form = Sm2Form(
        distid=str(params.get("distid", DEFAULT_ID)),
        der=params.get("signature", "der") == "der",
        encoding=str(params.get("encoding", "base64")),
    )
    return key_verifier(profile_of(algorithm), entry, form)
