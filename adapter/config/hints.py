"""What the configuration loader tells an operator beyond "invalid": the key they probably meant, an environment
variable that names a platform the file lacks, and DOCKING_* variables nothing reads.

Pure functions over the settings model and the environment (passed in), so adapter/config/settings.py stays the one
place that builds Settings.
"""

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

PREFIX = "DOCKING_"
# Variables the CLI itself reads (typer's envvar), or sets for the processes it starts (cli/logs.py INHERITED: the
# logging choice a send process inherits), not settings.
CLI_VARIABLES = frozenset(
    {"DOCKING_CONFIG", "DOCKING_LOG_LEVEL", "DOCKING_LOG_FORMAT", "DOCKING_LOG_FILE", "DOCKING_LOG_INHERITED"}
)
# Variables `docking demo --keep-running` prints as `export …` lines for the operator's shell (cli/run_cmd.py): not
# settings, but a shell that sourced them must not get four warnings from every later `docking` command.
DEMO_VARIABLES = frozenset({"DOCKING_URL", "DOCKING_KEY", "DOCKING_OPS_KEY", "DOCKING_CASE"})


def describe(
    exc: ValidationError, root: type[BaseModel], *, limit: int = 8, environ: Mapping[str, str] | None = None
) -> str:
    """Each bad field's dotted path and what is wrong — never its value (it may be a secret or an ID number); an
    unknown key gets the closest known key of the same table ("did you mean base_url?"); a field an environment
    variable in `environ` set (DOCKING_<SECTION>__<NAME>__<FIELD>, any case) names that variable, which wins over
    the file."""
    by_name = {variable.upper(): variable for variable in (environ or {})}
    found = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "configuration"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _suggestion(root, error["loc"])
        variable = by_name.get(PREFIX + "__".join(str(p) for p in error["loc"]).upper()) if error["loc"] else None
        found.append(f"{where}: {message}" + (f" (set by the environment variable {variable})" if variable else ""))
    return "; ".join(found)


def absent_platforms(environ: Mapping[str, str], file_platforms: Sequence[str]) -> list[tuple[str, str]]:
    """(variable, platform) for each DOCKING_PLATFORMS__<NAME>__… whose <NAME> the file does not define.

    pydantic-settings would silently start a new, incomplete platform from it ("signing: field required"), when
    the operator meant to override one in the file — usually a typo, or a name a shell cannot spell."""
    known = {name.lower() for name in file_platforms}
    found = []
    for variable in sorted(environ):
        parts = variable.upper().split("__")
        if parts[0] == f"{PREFIX}PLATFORMS" and len(parts) > 2 and parts[1].lower() not in known:
            found.append((variable, parts[1].lower()))
    return found


def unknown_variables(environ: Mapping[str, str], root: type[BaseModel], also_known: set[str]) -> list[str]:
    """A warning for each DOCKING_* variable that no setting reads (a typo is otherwise silently ignored).

    `also_known`: variables the settings name themselves, such as a keyring's `passphrase_env`."""
    fields = {f"{PREFIX}{name.upper()}" for name in root.model_fields}
    known = fields | CLI_VARIABLES | DEMO_VARIABLES | {v.upper() for v in also_known}
    warnings = []
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(PREFIX) or upper in known or upper.split("__")[0] in fields:
            continue
        close = difflib.get_close_matches(upper.split("__")[0], sorted(fields | CLI_VARIABLES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"environment variable {variable} is not a setting and is ignored{hint}")
    return warnings


def _suggestion(root: type[BaseModel], loc: Sequence[Any]) -> str:
    model = _model_at(root, loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _model_at(root: type[BaseModel], path: Sequence[Any]) -> type[BaseModel] | None:
    """The model whose keys sit at `path` (platforms.gz.signing → SigningSettings), or None."""
    annotation: Any = root
    expect_key = False
    for part in path:
        if expect_key:  # a dict's key (a platform's name): step into the value type
            annotation, expect_key = _value_type(annotation), False
            continue
        model = _as_model(annotation)
        if model is None or str(part) not in model.model_fields:
            return None
        annotation = model.model_fields[str(part)].annotation
        expect_key = get_origin(_unwrap(annotation)) is dict
    return None if expect_key else _as_model(annotation)


def _unwrap(annotation: Any) -> Any:
    """X from X | None."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def _value_type(annotation: Any) -> Any:
    args = get_args(_unwrap(annotation))
    return args[1] if len(args) == 2 else None


def _as_model(annotation: Any) -> type[BaseModel] | None:
    candidate = _unwrap(annotation)
    return candidate if isinstance(candidate, type) and issubclass(candidate, BaseModel) else None
