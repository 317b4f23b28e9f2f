"""`docking serve` (or `docking run`) started many times cheaply: this process imports everything the command loads
once, then forks a child per "start" line on stdin that runs `docking COMMAND --config CONFIG` (cli.main, as the
console script) and prints the child's pid. A crash test kills the child with SIGKILL 20 times and more; on a loaded
machine each fresh interpreter would spend seconds importing before serving, the fork spends none. The child is the
real command: the same entry point, settings, runtime, jobs and server; nothing is started before the fork.

    python -m tests.support.serve_fork CONFIG [COMMAND]     (COMMAND: serve, the default, or run)

A line "start LOG" appends the child's stderr (its log) to the file LOG; a bare "start" discards it.
"""

import os
import signal
import sys


def main() -> None:
    config = sys.argv[1]
    command = sys.argv[2] if len(sys.argv) > 2 else "serve"
    import api.server  # noqa: F401  (what `docking serve` imports lazily: fastapi, uvicorn, the app)
    import cli.main

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed children: no zombies to wait for
    for line in sys.stdin:
        words = line.split(maxsplit=1)
        if not words or words[0] != "start":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            if len(words) == 2:
                os.dup2(os.open(words[1].strip(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), 2)
            sys.argv = ["docking", command, "--config", config]
            try:
                cli.main.main()
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
