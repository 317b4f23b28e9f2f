"""Running a benchmark as its user does (`python -m bench.X …`) and reading the JSON summary it ends with."""

import json
import subprocess
import sys
from typing import Any


def bench_summary(module: str, *args: str, timeout: float) -> dict[str, Any]:
    """The last line of `python -m bench.<module> ARGS` as JSON; fails with its stderr if it did not end well."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary
