"""Named rules for the project's own validators (a pydantic `value_error` says only that *a* validator refused):
the message a validator raises, matched here, gives the stable rule name an API client branches on — as
InvalidIdentifier gives "identifier". Used where a partner action's input is read (adapter/field_errors.py
read_model(named=True)); a message not in the table keeps the generic rule "invalid" (never `value_error`).

Keep in step with the `raise ValueError(…)` (and InvalidAmount) of schemas/*.py:
tests/unit/test_rule_names.py fails on a validator message the table does not name."""

from schemas.identifiers import InvalidIdentifier
from schemas.money import InvalidAmount

# (a fragment of the validator's message, the rule) — the first match wins.
MESSAGES: tuple[tuple[str, str], ...] = (
    ("party_ref is used twice", "party_ref_unique"),
    ("names no party of the offer", "party_ref_known"),
    ("a policy is listed twice", "policy_unique"),
    ("a decline states its reason", "reason_required"),
    ("a replacing certificate names the one it replaces", "supersedes_required"),
    ("an agreement lists its items and has no failure_code", "items_or_failure_code"),
    ("a failure names its code", "items_or_failure_code"),
    ("states its amount", "amount_required"),
    ("a free organisation has no fee amount", "fee_free_without_amount"),
    ("a fee needs an amount", "fee_amount_required"),
    ("is before term_from", "term_order"),
    ("area_code must be a six-digit", "area_code"),
    ("is before start_time", "time_order"),
    ("a successful mediation is registered with its agreement", "agreement_if_success"),
    ("month must be YYYY-MM", "month"),
    ("counts cannot be negative", "non_negative"),
    ("ruling and ruled_at go together", "ruling_with_date"),
    ("a settled result carries the agreement", "agreement_iff_settled"),
    ("instalments do not add up", "instalments_total"),
    ("without a time zone", "timezone"),
    ("is a date without a time", "timestamp"),
    ("a time must be ISO 8601", "timestamp"),
    ("a date must be ISO 8601", "date"),
    ("liability: a party is named twice", "liability_party_unique"),
    ("with full liability leaves", "full_liability_alone"),
    ("delivered_at is before issued_at", "time_order"),
    ("supersedes names the certificate itself", "supersedes_other"),
    ("a decline must give decline_reason", "reason_required"),
    ("a mediator assignment must name the mediator", "mediator_required"),
    ("an extension must give new_due", "new_due_required"),
    ("a JC ruling must carry jc_result", "jc_result_required"),
    ("needs a failure report", "failure_report_required"),
    ("a natural person needs sex", "sex_required"),
    ("a natural person needs age or birth_date", "age_required"),
    ("an organisation is identified by its USCC", "organisation_uscc"),
    ("an organisation needs legal_representative", "legal_representative_required"),
    ("cannot take effect before it was concluded", "effective_after_concluded"),
    ("party refs must be unique", "party_ref_unique"),
    ("exceeds the memorandum's cap", "cap"),
    ("not a float", "amount_text"),
    ("is not a number", "amount_number"),
    ("is not finite", "amount_number"),
    ("is negative", "amount_negative"),
    ("exceeds", "amount_max"),
    ("more than two decimal places", "amount_decimals"),
)


def rule_name(error_type: str, message: str, cause: object) -> str:
    """The rule of one pydantic error: "identifier" for a GB 11643 / GB 32100 failure, the table's name for a
    project validator's `value_error` (or "invalid" when the message is not in the table), else pydantic's own
    error type (missing, string_too_short, enum …), which already names its rule."""
    if isinstance(cause, InvalidIdentifier):
        return "identifier"
    if error_type != "value_error" and not isinstance(cause, InvalidAmount):
        return error_type
    for fragment, rule in MESSAGES:
        if fragment in message:
            return rule
    return "invalid"
