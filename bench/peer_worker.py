"""The procrastinate worker process of the peer benchmark (started by bench/peer.py).

    python -m bench.peer_worker SETTINGS_JSON CONNINFO setup JOBS_FILE   queue one job per envelope line, then exit
    python -m bench.peer_worker SETTINGS_JSON CONNINFO work GO_FILE      say "ready", wait for the go file, work the
                                                                         queue empty, print when it finished
Each job sends one stored envelope with the adapter's own connector (encode, sign, POST, check the receipt).
"""

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import procrastinate

from adapter.config.settings import Settings
from scheduler import build_runtime
from schemas.envelope import Envelope


def main(argv: list[str]) -> None:
    settings = Settings.model_validate_json(argv[0])
    connector = build_runtime(settings).platforms["court"].connector
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=argv[1]))

    @app.task(name="deliver", queue="outbox")
    def deliver(envelope_json: str) -> None:
        connector.send(Envelope.model_validate_json(envelope_json))

    async def run() -> None:
        async with app.open_async():
            if argv[2] == "setup":
                await app.schema_manager.apply_schema_async()
                jobs: list[dict[str, Any]] = [
                    {"envelope_json": line} for line in Path(argv[3]).read_text().splitlines()
                ]
                await deliver.batch_defer_async(*jobs)
                return
            print("ready", flush=True)
            go = Path(argv[3])
            while not go.exists():
                await asyncio.sleep(0.002)
            await app.run_worker_async(queues=["outbox"], wait=False, concurrency=1, install_signal_handlers=False)
            print(time.time(), flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main(sys.argv[1:])
