"""No test module imports another (README, Layout: what tests share lives in tests/support/): an import from a test
module runs its module-level code and fixtures in a second place, and ties one test file's data to another's."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SUITES = ("tests.unit", "tests.integration", "tests.contract")


def test_no_test_module_imports_another() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"{path.relative_to(TESTS)}: {name}" for name in names if name.startswith(SUITES)]
    assert offenders == [], "move what is shared into tests/support/: " + "; ".join(offenders)
