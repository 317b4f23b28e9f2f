"""In-process counters (poll results, deliveries, retries) that jobs raise and the CLI and demo read."""

import threading
from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, prefix: str, counts: Counter[str] | dict[str, int]) -> None:
        with self._lock:
            for key, value in counts.items():
                self._counts[f"{prefix}_{key}"] += value

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
