"""The `audit-checkpoint` job: sign a checkpoint over the audit entries since the last one (adapter/audit/).

Every process registers it; two that run it at once are kept apart by the checkpoint lock (a second finds nothing
new or waits its turn), so no period bookkeeping is needed. Without an [audit] keyring it is not registered and
`docking run` says once that the chain goes unsigned.
"""

import logging
from collections.abc import Callable
from typing import Any

from adapter.audit import seal
from adapter.audit.checkpoint import make_checkpoint
from adapter.config.settings import Settings
from adapter.persistence.engine import UnitOfWork
from schemas.clock import Clock

log = logging.getLogger("docking.audit")


def checkpoint_job(settings: Settings, uow: UnitOfWork, clock: Clock) -> Callable[[], None]:
    def run() -> None:
        row = make_checkpoint(uow, seal.signer(settings.audit, clock()))  # the key is read anew: rotations apply
        if row is not None:
            log.info("audit checkpoint %s signed: entries %s–%s, key %s", row.id, row.first_seq, row.last_seq,
                     row.key_id)  # fmt: skip

    return run


def register(
    scheduler: Any,
    settings: Settings,
    uow: UnitOfWork,
    clock: Clock,
    common: dict[str, Any],
    speed: float,
    guard: Callable[[Callable[..., Any], str, str], Callable[..., Any]] = lambda job, what, job_id: job,
) -> None:
    """The `audit-checkpoint` job (scheduler.register_jobs), every [audit] checkpoint_seconds."""
    if not settings.audit.enabled:
        return
    if settings.audit.keyring is None:
        log.info("no [audit] keyring: the audit chain is kept but no checkpoint is signed (README: audit)")
        return
    later = {k: v for k, v in common.items() if k != "next_run_time"}
    scheduler.add_job(
        guard(checkpoint_job(settings, uow, clock), "audit checkpoint", "audit-checkpoint"),
        "interval",
        id="audit-checkpoint",
        seconds=settings.audit.checkpoint_seconds / speed,
        **later,
    )
