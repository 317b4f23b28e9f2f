"""A monotonic clock the test steps by hand: the sandbox desk's pacing clock (sandbox/institution/), so a test moves
its simulated days without sleeping."""


class StepClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
