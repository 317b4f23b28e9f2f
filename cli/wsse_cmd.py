"""`docking keys wsse`: the WS-Security key and certificate (or signing request) a SOAP court needs."""

from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from adapter.errors import InvalidRequest
from adapter.keys.wsse_files import WSSE_ALGORITHMS, make_wsse_files
from cli.output import console
from schemas.clock import CHINA, utc_now
from signing.keyfiles import passphrase_from


def wsse(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the files.", file_okay=False)],
    subject: Annotated[str, typer.Option(help="The certificate's subject, e.g. CN=centre,O=…,C=CN (RFC 4514).")],
    name: Annotated[str, typer.Option(help="File names: NAME.key, NAME.crt or NAME.csr.")] = "centre",
    algorithm: Annotated[
        str, typer.Option(help=f"One of {', '.join(WSSE_ALGORITHMS)} (SM2 where 国密 is required).")
    ] = "RSA",
    csr: Annotated[
        bool, typer.Option("--csr", help="Write a signing request for the court's CA, not a certificate.")
    ] = False,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Validity of a self-signed certificate.")] = 825,
    key: Annotated[
        Path | None, typer.Option("--key", help="Use this existing private key (renewal) instead of making one.")
    ] = None,
    passphrase_env: Annotated[
        str | None, typer.Option(help="The environment variable holding the key's passphrase (encrypt or open).")
    ] = None,
) -> None:
    """Make our WS-Security key and a self-signed certificate, or a CSR for the court's CA (no openssl needed)."""
    algorithm = algorithm.upper()
    if key is None and algorithm not in WSSE_ALGORITHMS:
        raise InvalidRequest(f"--algorithm {algorithm!r} is not one of {', '.join(WSSE_ALGORITHMS)}")
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequest(f"--name {name!r} may hold only letters, digits, '-', '_' and '.'")
    passphrase = passphrase_from(passphrase_env)
    try:
        files = make_wsse_files(
            directory,
            name,
            subject,
            now=utc_now(),
            algorithm=None if key else algorithm,
            days=days,
            request=csr,
            passphrase=passphrase,
            key_file=key,
        )
    except OSError as exc:
        raise InvalidRequest(str(exc)) from exc
    private = "" if key else " (private, mode 0600)"
    settings = f'key = "{files.key.resolve()}", certificate = "{directory.resolve() / (name + ".crt")}"'
    if files.request:
        console.print(
            f"wrote {files.key.resolve()}{private} and {files.written.resolve()}: send the request to the court's "
            f"CA, save the certificate it issues as {directory.resolve() / (name + '.crt')}, and set in "
            f"[platforms.<name>.wsse]: {settings}",
            highlight=False,
            markup=False,
        )
        return
    certificate = x509.load_pem_x509_certificate(files.written.read_bytes())
    until = certificate.not_valid_after_utc.astimezone(CHINA).isoformat(timespec="minutes")
    console.print(
        f"wrote {files.key.resolve()}{private} and {files.written.resolve()}: self-signed, "
        f"{certificate.subject.rfc4514_string()}, valid until {until}, SHA-256 fingerprint "
        f"{certificate.fingerprint(hashes.SHA256()).hex(':')}. Give the court the certificate, and set in "
        f"[platforms.<name>.wsse]: {settings}",
        highlight=False,
        markup=False,
    )
