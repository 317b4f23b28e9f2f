"""Drift, for reconciliation: what a court restored from an old backup or edited by hand looks like — a case
forgotten, its status altered, its last applied messages lost."""

from sandbox import data
from sandbox.court.state import CourtRefusal, CourtState


class Drift(CourtState):
    """Losing or changing what the court holds, as reconciliation must find it."""

    def forget(self, ajbs: str) -> None:
        """Lose a case and the court's memory of every message applied to it; its dispatch log remains."""
        with self._lock:
            self._known(ajbs)
            del self.cases[ajbs]
            for msg_id in self.applied_order.pop(ajbs, []):
                self._forget_message(msg_id)
            self._due = [d for d in self._due if d[1] != ajbs]

    def alter(self, ajbs: str, status: str) -> None:
        """Set a case's status by hand, as a clerk's edit would; the court still remembers every message."""
        if status not in data.CODE_LISTS["court_status"]:
            raise CourtRefusal(400, "E400", f"status {status!r} is not a court status code")
        with self._lock:
            case = self._known(ajbs)
            case.status = status
            case.history.append(status)

    def lose(self, ajbs: str, count: int) -> list[str]:
        """Roll a case back as if its last `count` applied messages never arrived (state, history and memory of
        their ids; rulings that followed them too). Returns the lost message ids."""
        with self._lock:
            self._known(ajbs)
            order = self.applied_order.get(ajbs, [])
            if not 1 <= count <= len(order):
                raise CourtRefusal(400, "E400", f"case {ajbs} has {len(order)} applied message(s), not {count}")
            lost = order[-count:]
            del order[-count:]
            status, length = self._undo[lost[0]]
            if status is None:  # the first lost message made the case (a self-received case's JC application)
                del self.cases[ajbs]
                self.applied_order.pop(ajbs, None)
            else:
                case = self.cases[ajbs]
                case.status = status
                del case.history[length:]
            for msg_id in lost:
                self._forget_message(msg_id)
            self._due = [d for d in self._due if d[1] != ajbs]
            return lost

    def _forget_message(self, msg_id: str) -> None:
        self._applied.pop(msg_id, None)
        self._undo.pop(msg_id, None)
        applied = self.applications.get(msg_id, 0) - 1
        if applied > 0:
            self.applications[msg_id] = applied
        else:
            self.applications.pop(msg_id, None)
        self.forgotten_messages += 1
