"""`docking ARGS` run many times cheaply: this process imports the CLI once, then for each request on its Unix socket
forks a child that runs `python -m cli ARGS` (runpy, as the interpreter's -m does) with the caller's working folder,
environment, and files for stdout and stderr, and answers with the child's exit status. On a loaded machine a fresh
interpreter spends seconds importing the CLI before it does anything; the fork spends none. The child is the real
command: the same entry point, argument parsing, settings and database code; nothing is opened before the fork.

    python -m tests.support.cli_fork SOCKET

A request is one JSON line {"args", "cwd", "env", "stdout", "stderr", "operator"} ("operator": true runs the command
without root's override of file modes, tests/support/file_modes.py); the answer one line: the exit status as
subprocess reports it (the code, or minus the signal that killed the command).
"""

import atexit
import json
import os
import runpy
import signal
import socket
import sys
import traceback

from tests.support.file_modes import as_ordinary_user


def _command(request: dict[str, object]) -> None:
    """In the forked child: become `python -m cli ARGS` and exit as it would."""
    cwd, env = str(request["cwd"]), request["env"]
    assert isinstance(env, dict)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        out = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
    args = request["args"]
    assert isinstance(args, list)
    sys.argv = ["-m", *map(str, args)]  # runpy puts the module's file first, as `python -m cli` has it
    sys.path[0] = cwd  # -m puts the working folder first on the path
    if request.get("operator"):
        as_ordinary_user()  # where a subprocess's preexec_fn would: after the fork, before the command
    code = 0
    try:
        runpy.run_module("cli", run_name="__main__", alter_sys=True)
    except SystemExit as exc:  # what the interpreter makes of sys.exit(...)
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _serve(connection: socket.socket) -> None:
    """In a child per request: fork the command, wait for it, answer with its status."""
    with connection, connection.makefile("rwb") as stream:
        request = json.loads(stream.readline())
        pid = os.fork()
        if pid == 0:
            _command(request)
        _, status = os.waitpid(pid, 0)
        stream.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())
        stream.flush()


def preload() -> None:
    """Import what a command would import on its way: the command modules (loaded on first use, cli/lazy.py),
    fastapi, uvicorn and the app, alembic — so a forked child spends no time importing."""
    import typer

    import adapter.persistence.migrate  # noqa: F401
    import api.server  # noqa: F401
    import cli.main

    root = typer.main.get_command(cli.main.app)
    context = root.make_context("docking", [], resilient_parsing=True)
    for name in root.list_commands(context):  # type: ignore[attr-defined]
        root.get_command(context, name)  # type: ignore[attr-defined]


def main() -> None:
    preload()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(16)
    print("ready", flush=True)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the per-request children
    parent = os.getppid()
    listener.settimeout(1.0)
    while True:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            # The test process is gone without closing this one (killed, or a pytest-xdist worker ended without
            # running atexit): nothing will ask again, so do not stay behind as an orphan.
            if os.getppid() != parent:
                return
            continue
        connection.settimeout(None)
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # this child waits for the command
            try:
                _serve(connection)
            finally:
                os._exit(0)
        connection.close()


if __name__ == "__main__":
    main()
