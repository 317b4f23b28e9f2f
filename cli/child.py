"""The entry point of the worker's helper processes (scheduler/children.py):

    python -P -m cli.child send|check REQUESTS_FD ANSWERS_FD [PLATFORM]

`send`: a send process (scheduler/send_processes.py, send_child.py); `check`: a check process
(scheduler/check_process.py, check_child.py). PLATFORM is read by nobody: it tells `ps` which court a child works for.
An entry point like `docking` itself, so it logs as the worker does: the worker's logging settings come through the
environment (cli/logs.py INHERITED), so a child's lines have the same format, redaction and masking.
"""

import importlib
import sys
from multiprocessing.connection import Connection

from cli import logs

SERVES = {"send": "scheduler.send_child", "check": "scheduler.check_child"}

if __name__ == "__main__":
    logs.inherit()
    serve = importlib.import_module(SERVES[sys.argv[1]]).serve
    serve(Connection(int(sys.argv[2]), writable=False), Connection(int(sys.argv[3]), readable=False))
