"""The adapter's own error tree; each error says what was wrong, with which input, and what to do.

DockingError                 exit_code 2 unless stated
├── CaseNotFound             no case with that id
├── InvalidRequest           a use case was asked something impossible (digest mismatch, window passed, …)
├── IllegalTransition        the case's status does not allow the event (adapter/states.py)
├── DuplicateCase            the centre already registered a case under that centre case id
├── ConfigError              the configuration file or environment is wrong; exit_code 78 (EX_CONFIG)
└── VaultError               sealed personal data cannot be opened (adapter/persistence/vault.py)
"""


class DockingError(Exception):
    exit_code = 2


class CaseNotFound(DockingError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id!r}; `docking cases list` shows the known ones")
        self.case_id = case_id


class InvalidRequest(DockingError):
    """`field`: the input refused, named as the use case takes it (e.g. "cause", "agreement.signatures"; the API
    prefixes its own location, api/problems.py); `rule`: the rule it breaks, a short stable name. A refusal about
    the case's state rather than one input carries a rule and no field; one from a tool's option may carry neither."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.field, self.rule = field, rule


class DuplicateCase(DockingError):
    """A second registration of a self-received case under a centre case id (`platform_case_id` of a flow-C case)
    the centre already holds: `field` is the input ("platform_case_id"), `value` its value, `existing_case_id` our
    id of the case registered first (what a centre that lost the first answer asks for)."""

    def __init__(self, value: str, existing_case_id: str, *, field: str = "platform_case_id") -> None:
        super().__init__(
            f"a self-received case with {field} {value!r} is already registered as {existing_case_id}: it is "
            f"GET /cases/{existing_case_id} (or `docking cases show {existing_case_id}`); register another case "
            f"under a new {field}"
        )
        self.field, self.value, self.existing_case_id = field, value, existing_case_id


class ConfigError(DockingError):
    exit_code = 78
