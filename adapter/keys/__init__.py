"""Our own keys: the signing keyrings with their staged rotation, the WS-Security files, and attestations.

    keyring.py         a platform's keyring: PEM files and a manifest; KeyState (published, active, retired,
                       revoked) and the staged rotation between them
    keyring_signer.py  signing with whichever key is active at the signing time, following the manifest live
    wsse_files.py      the WS-Security key and its certificate, or a signing request for the court's CA
    attestations.py    the centre's signature over an agreement document's digest, case and parties
    seal_certificate.py  the seal's certificate for a keyring key: self-signed, or a CSR for the centre's CA
    certificate_watch.py the seal's and the keyrings' certificates and how long each stays valid

Key files themselves, and which signer a key gets, are signing/'s (signing/keyfiles.py, signing/profiles.py);
the data keys that seal personal data are persistence's (adapter/persistence/vault.py).
"""
