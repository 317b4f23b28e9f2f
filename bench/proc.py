"""A process's CPU time from /proc, for the benchmarks: the court's, and a worker's send processes'."""

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """The CPU seconds (user + system, all its threads) process `pid` has used: /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15
