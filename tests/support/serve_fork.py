"""`docking serve` started many times cheaply: this process imports everything `docking serve` loads once, then
forks a child per "start" line on stdin that runs `docking serve --config CONFIG` (cli.main, as the console script)
and prints the child's pid. A crash test kills the child with SIGKILL 20 times and more; on a loaded machine each
fresh interpreter would spend seconds importing before serving, the fork spends none. The child is the real
command: the same entry point, settings, runtime, jobs and server; nothing is started before the fork.

    python -m tests.support.serve_fork CONFIG
"""

import os
import signal
import sys


def main() -> None:
    config = sys.argv[1]
    import api.server  # noqa: F401  (what `docking serve` imports lazily: fastapi, uvicorn, the app)
    import cli.main

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed children: no zombies to wait for
    for line in sys.stdin:
        if line.strip() != "start":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            sys.argv = ["docking", "serve", "--config", config]
            try:
                cli.main.main()
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
