"""Logging for every `docking` command: structlog over the standard library, configured once (cli/main.py).

The code logs with `logging.getLogger(__name__)` as before; one handler on the root logger renders every record —
ours, uvicorn's, APScheduler's, alembic's — through structlog's ProcessorFormatter, so each line has the same shape:

    json     one JSON object a line: time (ISO 8601 in China time, +08:00), level, logger, event, and the ids bound
             for the work in hand — platform, case_id, message_id (delivery), job (scheduler), request_id (API)
    console  the same fields for a person at a terminal: "2026-11-30 09:00:00,123 CST WARNING docking.x: …"

`auto` (the default) is console on a terminal and json otherwise. Two processors run on every line whatever
its source: `redact_secrets` replaces the value of any field named like a secret (password, token, secret,
authorization, private/api/data key …) and a bearer token, a `password=…` or a PEM private key written into
the text; and `mask_personal` passes the event and every string field through adapter/masking.py mask_document
(mask_text, and account numbers, USCCs, old IDs), so an ID, phone or account number never reaches the log in
full even from a line that forgot to mask it.
"""

import json
import logging
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import structlog
from structlog.typing import EventDict, Processor

from adapter.masking import mask_document
from schemas.clock import CHINA

LogFormat = Literal["auto", "json", "console"]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REDACTED = "[redacted]"
_SECRET_NAME = re.compile(
    r"secret|passw|token|authorization|cookie|credential|(?:^|_)(?:api|private|data|signing|app)_?key$|^key$", re.I
)
_SECRET_TEXT = re.compile(
    r"(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"  # Basic: the API key is its password (api/access.py)
    r"|(?i:password|passwd|secret|token|api_?key)\s*[=:]\s*[^\s,;&]+"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    re.S,
)
_KEPT = frozenset({"timestamp", "time", "level", "logger"})  # ours, never personal data: not scanned


def china_time(_: Any, __: str, event: EventDict) -> EventDict:
    """`time`: now in China time, ISO 8601 with its offset (the zone every listing labels CST)."""
    event["time"] = datetime.now(CHINA).isoformat(timespec="milliseconds")
    return event


def redact_secrets(_: Any, __: str, event: EventDict) -> EventDict:
    """A field named like a secret is replaced whole; a bearer token or a PEM private key in any text is cut out."""
    for key, value in list(event.items()):
        if key.startswith("_"):
            continue
        if _SECRET_NAME.search(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = _SECRET_TEXT.sub(REDACTED, value)
    return event


def mask_personal(_: Any, __: str, event: EventDict) -> EventDict:
    """Every string field (the event, an exception's text, a bound id, an extra) through mask_document."""
    for key, value in list(event.items()):
        if key in _KEPT or key.startswith("_"):
            continue
        if isinstance(value, str):
            event[key] = mask_document(value)
        elif value is not None and not isinstance(value, bool | int | float):
            event[key] = mask_document(str(value))
    return event


def render_console(_: Any, __: str, event: EventDict) -> str:
    """The line as `docking` always wrote it — "2026-11-30 09:00:00,123 CST WARNING docking.x: what happened" —
    then the bound ids as key=value, then an exception's traceback."""
    at = datetime.fromisoformat(str(event.pop("time")))
    level, logger = str(event.pop("level", "")).upper(), event.pop("logger", "")
    text, exception = event.pop("event", ""), event.pop("exception", None)
    fields = "".join(f" {key}={value}" for key, value in event.items())
    line = f"{at:%Y-%m-%d %H:%M:%S},{at.microsecond // 1000:03d} CST {level} {logger}: {text}{fields}"
    return f"{line}\n{exception}" if exception else line


# The logging settings this process chose, for the processes it starts to log alike (cli/child.py): JSON in
# the environment, which a child inherits. Listed in adapter/config/hints.py CLI_VARIABLES: not a setting.
INHERITED = "DOCKING_LOG_INHERITED"
LEVEL_CHOSEN = False  # --log-level or $DOCKING_LOG_LEVEL was given (cli/main.py): a command keeps what was asked


def quieter(level: str) -> bool:
    """Raise the level to `level` for the rest of this command when nobody chose one and the log goes to a terminal
    (where it would break up a progress display); True if it did. The format and destination stay as configured."""
    if LEVEL_CHOSEN or not sys.stderr.isatty():
        return False
    chosen = json.loads(os.environ.get(INHERITED, "{}"))
    if chosen.get("file"):
        return False
    configure(level, chosen.get("fmt", "auto"))
    return True


def inherit() -> None:
    """Log as the process that started this one did (its `configure` arguments, from INHERITED); the defaults
    when there are none or they cannot be read."""
    try:
        chosen = json.loads(os.environ.get(INHERITED, "{}"))
        configure(chosen.get("level", "INFO"), chosen.get("fmt", "auto"), chosen.get("file") and Path(chosen["file"]))
    except (ValueError, TypeError, AttributeError, OSError):
        configure()


def configure(level: str = "INFO", fmt: LogFormat = "auto", file: Path | None = None) -> None:
    """Route all logging through structlog: one handler on the root logger, to stderr or to `file` (appended).
    The choice is kept in the environment (INHERITED) for the processes this one starts.

    Raises ValueError naming the option for an unknown level or format (the CLI checks them first)."""
    if level.upper() not in LEVELS:
        raise ValueError(f"--log-level {level!r}: use one of {', '.join(LEVELS)}")
    if fmt not in ("auto", "json", "console"):
        raise ValueError(f"--log-format {fmt!r}: use json or console")
    os.environ[INHERITED] = json.dumps({"level": level, "fmt": fmt, "file": None if file is None else str(file)})
    stream: Any = sys.stderr
    handler: logging.Handler
    handler = logging.FileHandler(file, encoding="utf-8") if file is not None else logging.StreamHandler(stream)
    terminal = file is None and stream.isatty()
    json_lines = fmt == "json" or (fmt == "auto" and not terminal)
    # `shared` runs first on a standard-library record; the formatter's processors on every line, whatever its
    # source, so the redaction and the masking can be bypassed by neither kind of logger.
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),  # `extra={…}` of a standard-library call: fields like any other
        china_time,
    ]
    renderer: Processor = structlog.processors.JSONRenderer(ensure_ascii=False) if json_lines else render_console
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                mask_personal,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # max_instances=1 is deliberate: a skipped overlapping run is normal, not worth a warning each time.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "will assume transactional DDL" is not news
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # no handlers of their own: the root's shape
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
