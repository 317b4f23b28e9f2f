"""The one error of the domain's vocabulary: a value that a code table or catalogue does not list."""


class UnknownCode(ValueError):
    """A code (or canonical value) that the platform's table does not list."""

    def __init__(self, platform: str, table: str, field: str, value: object) -> None:
        super().__init__(f"{platform}: field {field!r} has {value!r}, which table {table!r} does not list")
        self.platform, self.table, self.field, self.value = platform, table, field, value
