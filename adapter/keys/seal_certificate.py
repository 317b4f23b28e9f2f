"""The seal's certificate for a keyring's key: self-signed, or a PKCS #10 request (RFC 2986) for the centre's CA —
`docking keys cert|csr` (cli/seal_cert_cmd.py). The seal signs agreements as the centre (电子签名法 Art 13–14: the
signature must be attributable to the signatory and under its sole control), so the certificate names the centre: CN, O,
C, and optionally its unified social credit code as organizationIdentifier (2.5.4.97, as ETSI EN 319 412-1 puts an
organisation's registration number into a seal certificate). Key usage digitalSignature + nonRepudiation only.

RSA (PS256 keyrings) and EC P-256 (ES256) certificates are built by `cryptography`, SM2 ones written with
signing/der.py and signed with SM2-with-SM3 (adapter/keys/wsse_files.py does both). An Ed25519 (EdDSA) keyring
cannot seal: neither PAdES validators nor `openssl cms` take it for a seal, so it is refused naming the algorithm.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from adapter.errors import InvalidRequest
from adapter.keys.keyring import Keyring
from adapter.keys.wsse_files import certificate_pem, request_pem
from schemas.identifiers import InvalidIdentifier, social_credit_code

SEAL_ALGORITHMS = ("ES256", "PS256", "SM2")  # keyring algorithms a seal certificate can be made for
MAX_DAYS = 3650  # ten years: no CA issues a signing certificate for longer


@dataclass(frozen=True)
class SealSubject:
    """The certificate's subject: `common_name` (CN), `organisation` (O), `country` (C, ISO 3166 two letters),
    `uscc` (organizationIdentifier, a GB 32100 code; checked) — InvalidRequest naming the option otherwise."""

    common_name: str
    organisation: str = ""
    country: str = "CN"
    uscc: str = ""

    def name(self) -> x509.Name:
        if not self.common_name.strip() or len(self.common_name) > 64:
            raise InvalidRequest(
                f"--cn {self.common_name!r} must be 1 to 64 characters (RFC 5280 ub-common-name)", field="cn"
            )
        if len(self.organisation) > 64:
            raise InvalidRequest(f"--org {self.organisation!r} is longer than 64 characters", field="org")
        if len(self.country) != 2 or not self.country.isascii() or not self.country.isalpha():
            raise InvalidRequest(
                f"--country {self.country!r} must be two letters (ISO 3166-1 alpha-2, e.g. CN)", field="country"
            )
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, self.country.upper())]
        if self.organisation.strip():
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation.strip()))
        if self.uscc:
            try:
                code = social_credit_code(self.uscc)
            except InvalidIdentifier as exc:
                raise InvalidRequest(f"--uscc {self.uscc!r}: {exc}", field="uscc", rule="gb32100") from None
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, code))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name.strip()))
        return x509.Name(attributes)


@dataclass(frozen=True)
class Written:
    path: Path
    key_id: str
    algorithm: str
    not_after: datetime | None  # a certificate's end of validity; None for a request


def make(
    keyring: Keyring,
    subject: SealSubject,
    now: datetime,
    *,
    request: bool,
    days: int = 365,
    key_id: str | None = None,
    passphrase: bytes | None = None,
    out: Path | None = None,
) -> Written:
    """Write `<keyring>/<key_id>.crt` (self-signed, valid `days` days) or `.csr` for `key_id` (default: the active
    key), or to `out`; never over an existing file. InvalidRequest naming the option that is wrong."""
    if not request and not 1 <= days <= MAX_DAYS:
        raise InvalidRequest(f"--days {days} must be 1 to {MAX_DAYS}", field="days")
    name = subject.name()
    record = keyring.find(key_id) if key_id else keyring.active(now)
    if record.algorithm not in SEAL_ALGORITHMS:
        raise InvalidRequest(
            f"key {record.key_id!r} is {record.algorithm}: a seal needs {', '.join(SEAL_ALGORITHMS)} (rotate the "
            f"keyring to one of them, or give another --key-id)",
            field="key_id",
            rule="seal_algorithm",
        )
    target = out or keyring.directory / f"{record.key_id}.{'csr' if request else 'crt'}"
    if target.exists():
        raise InvalidRequest(f"{target.resolve()} already exists; move it away or give --out", field="out")
    key = keyring.private_key(record, passphrase)
    pem = request_pem(key, name) if request else certificate_pem(key, name, now, days)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as handle:  # exclusive: never replace a certificate in use
        handle.write(pem)
    return Written(target, record.key_id, record.algorithm, None if request else now + timedelta(days=days))
