"""The adapter's own error tree; each error says what was wrong, with which input, and what to do.

DockingError                 exit_code 2 unless stated
├── CaseNotFound             no case with that id
├── InvalidRequest           a use case was asked something impossible (digest mismatch, window passed, …)
├── IllegalTransition        the case's status does not allow the event (adapter/states.py)
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


class ConfigError(DockingError):
    exit_code = 78
