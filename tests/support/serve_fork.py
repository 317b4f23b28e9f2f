"""`docking serve` (or `docking run`) started many times cheaply: this process imports everything the command loads
once, then forks a child per "start" line on stdin that runs `docking COMMAND --config CONFIG` (cli.main, as the
console script) and prints the child's pid. A crash test kills the child with SIGKILL 20 times and more; on a loaded
machine each fresh interpreter would spend seconds importing before serving, the fork spends none. The child is the
real command: the same entry point, settings, runtime, jobs and server; nothing is started before the fork.

    python -m tests.support.serve_fork CONFIG [COMMAND [FOLDER]]     (COMMAND: serve, the default, or run)

FOLDER: the children's working folder (where relative paths in CONFIG are found), else this one's.

A line "start LOG" appends the child's stderr (its log) to the file LOG; a bare "start" discards it. A line
"status PID" answers "running" while that child runs, then its exit status as subprocess reports it (the code, or
minus the signal that killed it) — this process is the children's parent, so only it can reap them and read it.
"""

import atexit
import os
import sys
import threading
import traceback


def _start(config: str, command: str, log: str | None) -> int:
    """Fork `docking COMMAND --config CONFIG`; in the child, become it and exit with its status."""
    import cli.main

    pid = os.fork()
    if pid:
        return pid
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if log is not None:
        os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), 2)
    sys.argv = ["docking", command, "--config", config]
    code = 1  # an exception out of main is a traceback and exit 1, as the console script has it
    try:
        cli.main.main()
        code = 0
    except SystemExit as exc:  # what the interpreter makes of sys.exit(...)
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        # What the interpreter does on its way out, in its order: join every non-daemon thread (and run
        # threading's exit hooks), then the atexit functions — so a run that leaves a thread going hangs here, as
        # the real process would, instead of exiting 0.
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    config = sys.argv[1]
    command = sys.argv[2] if len(sys.argv) > 2 else "serve"
    from tests.support.cli_fork import preload

    preload()

    if len(sys.argv) > 3:
        os.chdir(sys.argv[3])  # after the imports: this process was started where `tests` is importable
    ended: dict[int, int] = {}
    for line in sys.stdin:
        words = line.split(maxsplit=1)
        if words and words[0] == "start":
            print(_start(config, command, words[1].strip() if len(words) == 2 else None), flush=True)
        elif words and words[0] == "status":
            pid = int(words[1])
            if pid not in ended:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    ended[pid] = os.waitstatus_to_exitcode(status)
            print(ended.get(pid, "running"), flush=True)


if __name__ == "__main__":
    main()
