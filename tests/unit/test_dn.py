"""Distinguished names as text (RFC 4514 and the forms Java, OpenSSL and .NET write) against a certificate's Name:
how an X509IssuerName is matched to a configured certificate."""

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from signing import dn

NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某省高级人民法院"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Info Centre"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Court CA, Signing"),
    ]
)
EMAIL = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "ca"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ca@court.example"),
    ]
)
MULTI = x509.Name(
    [
        x509.RelativeDistinguishedName(
            [x509.NameAttribute(NameOID.COMMON_NAME, "ca"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "court")]
        )
    ]
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (NAME.rfc4514_string(), NAME),  # cryptography's own writing
        ("CN=Court CA\\, Signing,OU=Info Centre,O=某省高级人民法院,C=CN", NAME),  # Java getName() (RFC 2253)
        ("CN=Court CA\\, Signing, OU=Info Centre, O=某省高级人民法院, C=CN", NAME),  # getIssuerDN(): spaces
        ("C=CN, O=某省高级人民法院, OU=Info Centre, CN=Court CA\\, Signing", NAME),  # ASN.1 order (OpenSSL, .NET)
        ('CN="Court CA, Signing";OU=Info Centre;O=某省高级人民法院;C=CN', NAME),  # RFC 1779: quotes, ';'
        ("cn=court ca\\2C  signing,ou=INFO CENTRE,o=某省高级人民法院,c=cn", NAME),  # case, hex escape, spaces
        ("2.5.4.3=Court CA\\, Signing,OID.2.5.4.11=Info Centre,O=某省高级人民法院,2.5.4.6=#1302434e", NAME),
        ("CN=Court CA\\, Signing,OU=Info Centre,O=\\E6\\9F\\90省高级人民法院,C=CN", NAME),  # UTF-8 bytes escaped
        ("EMAILADDRESS=ca@court.example, CN=ca", EMAIL),  # Java getIssuerDN()
        ("E=ca@court.example,CN=ca", EMAIL),  # .NET
        ("1.2.840.113549.1.9.1=#1610636140636f7572742e6578616d706c65,CN=ca", EMAIL),  # Java RFC 2253: BER hex
        ("CN=ca+O=court", MULTI),
        ("O=court + CN=ca", MULTI),  # the order inside a multi-valued RDN does not matter
    ],
)
def test_every_writing_of_the_name_matches(text: str, name: x509.Name) -> None:
    assert dn.matches(text, name)


@pytest.mark.parametrize(
    "text",
    [
        "CN=Court CA, Signing,OU=Info Centre,O=某省高级人民法院,C=CN",  # the comma unescaped: another RDN
        "CN=Court CA\\, Signing,OU=Info Centre,O=某省高级人民法院",  # one RDN short
        "CN=Court CA\\, Signing,OU=Info Centre,O=某省高级人民法院,C=CN,DC=extra",
        "CN=Court CA\\, Signing,OU=Other,O=某省高级人民法院,C=CN",
        "CN=Court CA\\, Signing,OU=Info Centre,C=CN,O=某省高级人民法院",  # neither order
        "XYZ=1,CN=Court CA\\, Signing",  # an unknown attribute type
        "CN=Court CA\\",  # an unfinished escape
        'CN="Court CA',  # an unfinished quote
        "2.5.4.6=#13",  # truncated BER
        "2.5.4.6=#zz",
        "just text",
        "",
    ],
)
def test_other_names_and_broken_strings_do_not_match(text: str) -> None:
    assert not dn.matches(text, NAME)
