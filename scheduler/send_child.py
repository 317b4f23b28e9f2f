"""A send process (scheduler/send_processes.py): `python -m scheduler.send_child REQUESTS_FD ANSWERS_FD`.

A module of its own so that `-m` runs it once: scheduler/send_processes.py is already imported by the package."""

import sys
from multiprocessing.connection import Connection

from scheduler.send_processes import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
