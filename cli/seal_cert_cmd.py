"""`docking keys cert|csr`: the seal's certificate for a keyring key — self-signed, or a PKCS #10 request for the
centre's CA (adapter/keys/seal_certificate.py); registered on `docking keys` by cli/lazy.py."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.keys import seal_certificate
from adapter.keys.keyring import shown
from cli.keys import DirOption, PassphraseOption, PlatformOption, _keyring
from cli.output import ConfigOption, console
from schemas.clock import utc_now
from signing.keyfiles import passphrase_from

CnOption = Annotated[str, typer.Option("--cn", help="Subject CN: the seal's name, e.g. 某某调解中心电子印章.")]
OrgOption = Annotated[str, typer.Option("--org", help="Subject O: the centre's registered name.")]
CountryOption = Annotated[str, typer.Option("--country", help="Subject C: two letters (ISO 3166).")]
UsccOption = Annotated[
    str, typer.Option("--uscc", help="The centre's unified social credit code, as organizationIdentifier.")
]
SealKeyOption = Annotated[str | None, typer.Option("--key-id", help="The key to certify (default: the active one).")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write here (default: <keyring>/<key_id>.crt|.csr).")]


def _seal_file(
    request: bool,
    subject: seal_certificate.SealSubject,
    directory: Path | None,
    platform: str | None,
    config: Path | None,
    days: int,
    key_id: str | None,
    passphrase_env: str | None,
    out: Path | None,
) -> None:
    keyring = _keyring(directory, platform, config)
    written = seal_certificate.make(
        keyring,
        subject,
        utc_now(),
        request=request,
        days=days,
        key_id=key_id,
        passphrase=passphrase_from(passphrase_env),
        out=out,
    )
    what = "signing request" if request else "self-signed certificate"
    until = "" if written.not_after is None else f", valid until {shown(written.not_after.isoformat())}"
    where = written.path.resolve()
    console.print(f"{where}: {what} for {written.key_id} ({written.algorithm}){until}", highlight=False, soft_wrap=True)


def cert(
    cn: CnOption,
    org: OrgOption = "",
    country: CountryOption = "CN",
    uscc: UsccOption = "",
    days: Annotated[int, typer.Option("--days", help="Validity in days (1 to 3650).")] = 365,
    key_id: SealKeyOption = None,
    out: OutOption = None,
    directory: DirOption = None,
    platform: PlatformOption = None,
    passphrase_env: PassphraseOption = None,
    config: ConfigOption = None,
) -> None:
    """A self-signed seal certificate for a keyring key (ES256, PS256 or SM2): digitalSignature + nonRepudiation.
    Its expiry is watched (`docking status`, alerts) once it is in the keyring or named by \\[seal]."""
    subject = seal_certificate.SealSubject(cn, org, country, uscc)
    _seal_file(False, subject, directory, platform, config, days, key_id, passphrase_env, out)


def csr(
    cn: CnOption,
    org: OrgOption = "",
    country: CountryOption = "CN",
    uscc: UsccOption = "",
    key_id: SealKeyOption = None,
    out: OutOption = None,
    directory: DirOption = None,
    platform: PlatformOption = None,
    passphrase_env: PassphraseOption = None,
    config: ConfigOption = None,
) -> None:
    """A PKCS #10 request for the centre's CA to certify a keyring key as the seal; put the certificate it issues
    in the keyring folder as <key_id>.crt (or name it in \\[seal] certificate_chain)."""
    subject = seal_certificate.SealSubject(cn, org, country, uscc)
    _seal_file(True, subject, directory, platform, config, 365, key_id, passphrase_env, out)
