"""The entry point of a check process (scheduler/check_process.py, scheduler/check_child.py):

    python -P -m cli.check_child REQUESTS_FD ANSWERS_FD

An entry point like `docking` itself, so it logs as the worker does: the worker's logging settings come through
the environment (cli/logs.py INHERITED), so a child's lines have the same format, redaction and masking.
"""

import sys
from multiprocessing.connection import Connection

from cli import logs
from scheduler.check_child import serve

if __name__ == "__main__":
    logs.inherit()
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
