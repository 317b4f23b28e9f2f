"""The names WS-Security and XML-DSig use: namespaces, token and key-identifier types, algorithm URIs."""

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ID = f"{{{WSU}}}Id"

# X.509 Token Profile 1.1 §3.1-§3.2: the token type, and how a SecurityTokenReference may name a certificate
_X509 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#"
X509V3 = _X509 + "X509v3"
X509_SKI = _X509 + "X509SubjectKeyIdentifier"
X509_PKIPATH = _X509 + "X509PKIPathv1"
THUMBPRINT_SHA1 = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1"
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

# (signature method URI, digest URI) per algorithm. XML-DSig has no SM2 URIs; these are the ones GM/T-style
# platforms publish, agreed per docking like the rest of the profile.
ALGORITHMS = {
    "rsa-sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"),
    "ecdsa-sha256": (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    "sm2-sm3": ("http://www.gmcrypto.cn/xmldsig#sm2-sm3", "http://www.gmcrypto.cn/xmldsig#sm3"),
}
