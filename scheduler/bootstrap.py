"""The one bootstrap the entry points call for what they need short of the whole runtime: the settings, read once;
the existing database; the centre's use cases; one platform's connector. `build_runtime` (scheduler/runtime.py)
builds everything, for the commands that poll, deliver or reconcile.

The CLI (and next the HTTP API) import this; nothing in adapter/ does (pyproject [tool.importlinter]).
"""

from __future__ import annotations  # the heavy names below are annotations only, until a function needs them

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from adapter.config.settings import Settings, load_settings, read_from
from adapter.deadlines import Deadlines
from adapter.errors import ConfigError, InvalidRequest
from adapter.persistence.engine import UnitOfWork, create_schema, open_database
from schemas.clock import utc_now

if TYPE_CHECKING:
    from adapter.services import CentreServices
    from connectors.port import CourtPlatform
    from scheduler.complaints import ComplaintRuntime
    from scheduler.partners import PartnerRuntime
    from scheduler.runtime import Runtime

# The builders of use cases, desks, partners and connectors are imported by the functions that call them: every
# command reads its settings through this module, and `docking status` or `quarantine list` would otherwise import
# the whole runtime first (every connector, the HTTP API) — seconds on a slow machine (cli/lazy.py).


def load(config: Path | None) -> Settings:
    """The settings of `config` (or defaults and the environment): read once per command and passed on."""
    return load_settings(config)


def open_store(settings: Settings, *, read_only: bool = False) -> UnitOfWork:
    """The existing database of the configured adapter, without contacting any platform.

    `read_only`: for commands that only read — they then work on a database file this user cannot write (a copy
    handed over for inspection, a folder mounted read-only) and never take the write lock from `docking run`."""
    with _said_without_config(settings):
        engine = open_database(settings, must_exist=True, read_only=read_only)
    create_schema(engine)
    return UnitOfWork(engine)


@contextmanager
def _said_without_config(settings: Settings) -> Iterator[None]:
    """ "no database at …" says too, when no config file was read, that the path is the default one: --config
    forgotten reads as a missing database otherwise (newcomer review)."""
    try:
        yield
    except ConfigError as exc:
        if read_from(settings) is not None or not str(exc).startswith("no database at"):
            raise
        whose = "DOCKING_DATABASE_URL's" if os.environ.get("DOCKING_DATABASE_URL") else "the default database_url"
        raise ConfigError(f"{exc}. No config file was read (no --config, no DOCKING_CONFIG): that is {whose}") from None


def runtime(settings: Settings) -> Runtime:
    """The whole runtime (scheduler/runtime.py) for a one-shot command that polls, delivers or reconciles —
    `docking reconcile`, `quarantine reprocess` — on the existing database only: at a mistyped path, or with
    --config forgotten, it would make an empty database there and report it reconciled, "ok" (newcomer review).
    Raises ConfigError "no database at …" as every reading command does."""
    from scheduler.runtime import build_runtime

    with _said_without_config(settings):
        open_database(settings, must_exist=True).dispose()
    return build_runtime(settings)


def upgrade_store(settings: Settings) -> tuple[str | None, str]:
    """Bring the configured database (made if it is a new SQLite file) to the newest schema version; the
    versions before and after (adapter/persistence/migrate.py)."""
    # Alembic is imported only when a database is opened (as adapter/persistence/engine.py does): importing it
    # at module top would slow every `docking` command, `--help` included, by a quarter of a second or more.
    from adapter.persistence.migrate import upgrade

    return upgrade(open_database(settings))


def centre_services(settings: Settings, actor: str) -> CentreServices:
    """The centre's use cases on the configured database, acting as `actor` (the audit trail's name for it)."""
    from adapter.partners.roster_checks import SqlMediatorRoster
    from adapter.persistence.case_store import SqlCaseStore
    from adapter.seal import configured_seal
    from adapter.services import CentreServices

    deadlines = Deadlines.from_policy(settings.deadlines)  # the holiday file and court periods, as the sweep
    uow = open_store(settings)
    roster = SqlMediatorRoster(uow)  # an expired or removed mediator cannot be assigned (partners.md §4)
    seal = configured_seal(settings.seal, utc_now())  # the key and chain checked now, before any agreement
    return CentreServices(
        SqlCaseStore(uow), utc_now, actor, platforms=settings.platforms, deadlines=deadlines, roster=roster, seal=seal
    )


def complaints(settings: Settings, *, connect: bool = False) -> ComplaintRuntime:
    """The complaint use cases and desk directory on the configured database; `connect`: with the desks'
    connectors (deliver, reconcile), else none are built (no keys are read)."""
    from scheduler.complaints import build_complaints

    calendar = Deadlines.from_policy(settings.deadlines).calendar
    return build_complaints(settings, open_store(settings), utc_now, calendar, "cli", None if connect else {})


def partners(settings: Settings, *, connect: bool = False) -> PartnerRuntime:
    """The partner core on the configured database; `connect`: with the partners' ports (deliver, poll,
    reconcile), else none are built (no keys are read)."""
    from scheduler.partners import build_partners

    calendar = Deadlines.from_policy(settings.deadlines).calendar
    return build_partners(settings, open_store(settings), utc_now, calendar, "cli", None if connect else {})


def connector(settings: Settings, platform: str) -> CourtPlatform:
    """One configured platform's connector (with its signer), for a command that talks to that court alone."""
    from adapter.platforms.signers import build_signer
    from scheduler.runtime import build_connector

    if platform not in settings.platforms:
        raise InvalidRequest(
            f"no platform {platform!r} in the configuration ({', '.join(settings.platforms) or 'none'})"
        )
    config = settings.platforms[platform]
    return build_connector(platform, config, build_signer(config.signing, platform=platform), utc_now)
