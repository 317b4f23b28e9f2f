"""The signing package's errors: the one verification error, with a reason code per class of failure (never which
byte or key half failed), and the missing optional SM2 extra."""


class MissingExtra(ImportError):
    """An optional extra the chosen profile needs is not installed; raised where the extra is imported
    (signing/sm2.py), worded once here, shown as it is (the CLI exits 78, EX_CONFIG)."""

    def __init__(self) -> None:
        super().__init__("SM2 needs Tongsuo, an optional extra: pip install 'court-docking[sm2]'")


class SignatureInvalid(Exception):
    UNSIGNED = "unsigned"
    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    MALFORMED = "malformed_signature"
    BAD_ALGORITHM = "bad_algorithm"
    MISMATCH = "bad_signature"
    STALE = "stale"
    FUTURE = "future"
    REPLAYED = "replayed"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
