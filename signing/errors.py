"""The one verification error, with a reason code per class of failure (never which byte or key half failed)."""


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
