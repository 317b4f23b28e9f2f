"""Fault injection: which requests fail, and how (`SandboxConfig.fault_rate`, `fault_kinds`, `outage_seconds`);
the transports inflict what is drawn here."""

from sandbox.court.state import CourtState


class Faults(CourtState):
    """Drawing the fault, if any, each platform request suffers."""

    def draw_fault(self) -> str | None:
        """The fault to inflict on this request, if any (thread-safe; counts what it inflicts)."""
        with self._lock:
            now = self._clock()
            if now < self._outage_until:
                kind: str | None = "outage"
            elif self.config.outage_seconds and self._fault_rng.random() < self.config.fault_rate / 50:
                self._outage_until = now + self.config.outage_seconds
                kind = "outage"
            elif self._fault_rng.random() < self.config.fault_rate:
                kind = self._fault_rng.choice(self.config.fault_kinds)
            else:
                kind = None
            if kind:
                self.faults[kind] = self.faults.get(kind, 0) + 1
            return kind
