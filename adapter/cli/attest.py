"""`docking sign` and `docking verify`: attest an agreement document, and check an attestation offline."""

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from adapter import attestation
from adapter.cli.output import console
from adapter.clock import utc_now
from adapter.errors import InvalidRequest
from adapter.keyring import Keyring
from adapter.keys import KeyFileError, algorithm_of, load_public_key
from adapter.signing.base import MessageSigner, MessageVerifier, PublicKeyEntry
from adapter.signing.errors import SignatureInvalid
from adapter.signing.jws import JwsSigner, JwsVerifier
from adapter.signing.sm2 import Sm2Signer, Sm2Verifier

Document = Annotated[Path, typer.Argument(help="The agreement document (e.g. the signed PDF).", dir_okay=False)]


def sign(
    document: Document,
    keyring: Annotated[Path, typer.Option(help="The centre's keyring; its active key signs.", file_okay=False)],
    case_id: Annotated[str, typer.Option()],
    case_number: Annotated[str, typer.Option(help="案号, or the centre's own number for a self-received case.")],
    party: Annotated[list[str], typer.Option(help="A party's name; repeat for each party.")],
    effective_at: Annotated[str, typer.Option(help="The last party's e-signature time, ISO 8601 with zone.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the attestation (default: DOCUMENT.sig.json).")
    ] = None,
) -> None:
    """Sign an attestation of DOCUMENT: its digest (SM3 for SM2 keys, else SHA-256), case, parties, effective time."""
    try:
        when = datetime.fromisoformat(effective_at)
        content = document.read_bytes()
        ring = Keyring.open(keyring)
        record = ring.active()
        key = ring.private_key(record)
    except ValueError:
        raise InvalidRequest(
            f"--effective-at {effective_at!r} is not an ISO 8601 time such as 2026-11-23T10:05:00+08:00"
        ) from None
    except OSError as exc:
        raise InvalidRequest(f"cannot read {document}: {exc.strerror}") from None
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from None
    signer: MessageSigner = (
        Sm2Signer(key, record.key_id) if record.algorithm == "SM2" else JwsSigner(key, record.key_id)
    )
    try:
        statement = attestation.attest(
            content,
            case_id=case_id,
            case_number=case_number,
            parties=tuple(party),
            effective_at=when,
            document_name=document.name,
            algorithm="sm3" if record.algorithm == "SM2" else "sha256",
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    target = out or document.with_name(document.name + ".sig.json")
    target.write_text(json.dumps(attestation.sign(statement, signer, utc_now()), ensure_ascii=False, indent=2))
    console.print(
        f"attested {document.name} ({statement.digest_algorithm} {statement.document_digest[:16]}…) "
        f"with {record.key_id}: {target}"
    )


def verify(
    document: Document,
    public_key: Annotated[Path, typer.Option(help="The centre's public key (PEM).", dir_okay=False)],
    signature: Annotated[Path | None, typer.Option(help="The attestation (default: DOCUMENT.sig.json).")] = None,
) -> None:
    """Check DOCUMENT against its attestation and the centre's public key; exit 1 if anything differs."""
    source = signature or document.with_name(document.name + ".sig.json")
    try:
        content, signed = document.read_bytes(), json.loads(source.read_text(encoding="utf-8"))
        key = load_public_key(public_key)
    except OSError as exc:
        raise InvalidRequest(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValueError:
        raise InvalidRequest(f"{source} is not JSON") from None
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from None
    if not isinstance(signed, dict):
        raise InvalidRequest(f"{source} is not an attestation file")
    key_id = attestation.signer_key_id(signed)
    entry = {key_id: PublicKeyEntry(key_id, key, algorithm_of(key))}
    verifier: MessageVerifier = Sm2Verifier(entry) if algorithm_of(key) == "SM2" else JwsVerifier(entry)
    try:
        statement, verified = attestation.verify(content, signed, verifier)
    except SignatureInvalid as exc:
        console.print(f"[red]NOT VERIFIED[/red] ({exc.reason}): {exc.detail}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"verified: {document.name} is the agreement of case {statement.case_id} ({statement.case_number}), "
        f"parties {', '.join(statement.parties)}, effective {statement.effective_at}; "
        f"signed by {verified.key_id}",
        highlight=False,
    )
