"""/readyz's Verdicts (api/health.py): a flood of probes runs the checks once, not once per probe (attacker review:
anonymous probes in a loop made every API call slow); a verdict older than FRESH is made again."""

import asyncio
import threading
import time

from adapter.readiness import Check
from api.health import Verdicts

READY = [Check("database", True, "answers")]


def test_probes_at_once_share_one_run_of_the_checks() -> None:
    runs: list[str] = []

    def check() -> list[Check]:
        runs.append(threading.current_thread().name)
        time.sleep(0.05)  # the checks take a while: every other probe arrives meanwhile
        return READY

    async def flood() -> list[list[Check]]:
        verdicts = Verdicts(fresh=60)
        return await asyncio.gather(*(verdicts.get(check) for _ in range(200)))

    answers = asyncio.run(flood())
    assert len(runs) == 1 and all(a == READY for a in answers)
    assert runs[0] != threading.current_thread().name  # in a worker thread, never on the event loop


def test_a_verdict_older_than_fresh_is_made_again() -> None:
    verdicts = iter([[Check("database", True, "answers")], [Check("database", False, "no answer")]])

    async def twice() -> tuple[list[Check], list[Check], list[Check]]:
        kept = Verdicts(fresh=0.2)
        first = await kept.get(lambda: next(verdicts))
        again = await kept.get(lambda: next(verdicts))  # within FRESH: the same verdict, the checks not run
        await asyncio.sleep(0.25)
        return first, again, await kept.get(lambda: next(verdicts))

    first, again, later = asyncio.run(twice())
    assert first == again and first[0].ok and not later[0].ok
